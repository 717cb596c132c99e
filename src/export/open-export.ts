/**
 * `sunder open-export`: opens a sealed export (every file `NAME.age`) with the recipient's age
 * identity into a plain one, file by file, streaming. The result is an ordinary export:
 * `sha256sum -c SHA256SUMS` and `minisign -V` work in it. Written beside the target and moved
 * into place whole, like an export (output-dir.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { makeDirs } from '../dirs.js';
import { SunderError } from '../errors.js';
import { osError } from '../os-errors.js';
import { filesUnder } from './files-under.js';
import { openOutputDir } from './output-dir.js';
import { SEALED_SUFFIX, openStage, parseIdentityFile } from './seal.js';

export interface OpenExportOptions {
  /** The sealed export. */
  dir: string;
  /** age identity file(s) as `age-keygen` writes them. */
  identityFiles: string[];
  /** New or empty folder for the opened export. */
  out: string;
  force?: boolean;
}

export async function readIdentities(files: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch {
      throw new SunderError('FILE_NOT_FOUND', `no age identity file at ${f}`, { path: ['identity'] });
    }
    ids.push(...parseIdentityFile(text));
  }
  return ids;
}

/** Opens every `.age` file of `dir` into `outDir` (which exists); refuses a file that is not sealed. */
export async function openSealedInto(dir: string, identities: string[], outDir: string): Promise<number> {
  let n = 0;
  for (const path of await filesUnder(dir)) {
    const name = relative(dir, path).split(sep).join('/');
    if (!name.endsWith(SEALED_SUFFIX)) throw new SunderError('EXPORT_TAMPERED', `${name} in a sealed export is not sealed`, { path: [name] });
    const target = join(outDir, name.slice(0, -SEALED_SUFFIX.length));
    makeDirs(join(target, '..'));
    try {
      await pipeline(createReadStream(path), openStage(identities), createWriteStream(target, { mode: 0o600 }));
    } catch (err) {
      if (err instanceof SunderError) throw new SunderError(err.code, `${name}: ${err.message.replace(/^\[sunder\] /, '')}`, { path: [name], cause: err });
      throw osError(err, { what: 'opening the sealed export', path });
    }
    n++;
  }
  if (n === 0) throw new SunderError('EXPORT_SEALED', `${dir} holds no sealed (.age) files`, { path: ['dir'] });
  return n;
}

export async function openExport(options: OpenExportOptions): Promise<{ files: number; out: string }> {
  const identities = await readIdentities(options.identityFiles);
  const output = await openOutputDir(options.out, options.force === undefined ? {} : { force: options.force });
  try {
    const files = await openSealedInto(options.dir, identities, output.dir);
    await output.commit();
    return { files, out: output.target };
  } catch (err) {
    await output.abort();
    throw err;
  }
}
