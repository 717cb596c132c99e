/**
 * Where an export is written: a temporary folder beside the target, renamed into place only
 * when the export is complete, so a failed or killed export never leaves half a dataset of
 * decrypted media behind, and a finished one is never mixed with an older one's files.
 *
 * Beside `out` (same parent, so the rename is on one file system and atomic):
 *   .<name>.sunder-export-<pid>-<hex>   the export being written
 *   .<name>.sunder-old-<pid>-<hex>      a replaced export (`force`), removed once the new one is in place
 * Either kind left by a process that is gone (killed, power cut) is removed by the next export
 * to the same target: it is plaintext that nobody will finish.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SunderError } from '../errors.js';
import { osError } from '../os-errors.js';
import { processAlive } from '../process-alive.js';

export interface OutputDir {
  /** The temporary folder to write into. */
  readonly dir: string;
  /** The final folder. */
  readonly target: string;
  /** Moves the finished export into place (replacing the old one when `force` allowed it). */
  commit(): Promise<void>;
  /** Removes everything written. Never throws: it runs while another error is on its way out. */
  abort(): Promise<void>;
}

const PREFIX = (name: string) => `.${name}.sunder-`;
const OWNED = /^\.(.+)\.sunder-(export|old)-(\d+)-[0-9a-f]+$/;


async function entriesOf(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Checks the target and makes the temporary folder. A target that exists must be a folder,
 * and empty unless `force`. Refuses before anything is written.
 */
export async function openOutputDir(out: string, options: { force?: boolean } = {}): Promise<OutputDir> {
  const target = resolve(out);
  const parent = dirname(target);
  const name = basename(target);
  try {
    const existing = await stat(target).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (existing !== undefined && !existing.isDirectory()) {
      throw new SunderError('PATH_NOT_DIRECTORY', `the export output ${target} is a file, not a folder`, { path: ['out'] });
    }
    if (existing !== undefined && options.force !== true && ((await entriesOf(target)) ?? []).length > 0) {
      throw new SunderError('OUTPUT_NOT_EMPTY', `the export output ${target} is not empty; choose an empty or new folder, or pass --force to replace its contents`, { path: ['out'] });
    }
    await mkdir(parent, { recursive: true });
    await sweepStale(parent, name);
    const dir = join(parent, `${PREFIX(name)}export-${process.pid}-${randomBytes(6).toString('hex')}`);
    // Decrypted media: readable by the exporting user only.
    await mkdir(dir, { mode: 0o700 });
    return {
      dir,
      target,
      async commit() {
        try {
          await moveIntoPlace(dir, target, parent, name);
        } catch (err) {
          await rm(dir, { recursive: true, force: true }).catch(() => undefined);
          throw osError(err, { what: 'the export output folder', path: target });
        }
      },
      async abort() {
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      },
    };
  } catch (err) {
    throw osError(err, { what: 'the export output folder', path: target });
  }
}

async function moveIntoPlace(dir: string, target: string, parent: string, name: string): Promise<void> {
  const existing = await entriesOf(target);
  if (existing === undefined || existing.length === 0) {
    // rename(2) replaces an empty folder in one step.
    await rename(dir, target);
    return;
  }
  const old = join(parent, `${PREFIX(name)}old-${process.pid}-${randomBytes(6).toString('hex')}`);
  await rename(target, old);
  try {
    await rename(dir, target);
  } catch (err) {
    await rename(old, target).catch(() => undefined);
    throw err;
  }
  await rm(old, { recursive: true, force: true });
}

/** Removes temporary and replaced exports of `name` whose process is gone. */
async function sweepStale(parent: string, name: string): Promise<void> {
  for (const entry of (await entriesOf(parent)) ?? []) {
    const m = OWNED.exec(entry);
    if (m === null || m[1] !== name) continue;
    const pid = Number(m[3]);
    if (pid !== process.pid && processAlive(pid)) continue;
    await rm(join(parent, entry), { recursive: true, force: true });
  }
}
