/**
 * `sunder verify-export DIR`: everything a delivery must satisfy, checked on the folder alone
 * (plus the vault's blind indexes for the leak check):
 *   1. SHA256SUMS is signed by the export signing key (minisign format, SHA256SUMS.minisig);
 *   2. every file is listed, every listed file is there, and every hash matches (so a changed,
 *      added or removed byte anywhere fails);
 *   3. every manifest line or webdataset sample passes the leak check (leak-check.ts).
 * A sealed export is opened with the given identity into a private temporary folder first,
 * checked there, and the folder removed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { extract as tarExtract } from 'tar-stream';
import type { BlindIndexer } from '../crypto/blind-index.js';
import { loadRoleKeys, keyFilePath } from '../crypto/keys.js';
import { keyIdHex, verifyMinisign, type MinisignKey } from '../crypto/minisign.js';
import { isSunderError, SunderError, type ErrorCode } from '../errors.js';
import { layoutOf } from '../layout.js';
import { SqliteVault } from '../vault/sqlite.js';
import type { Vault } from '../vault/vault.js';
import { SIGNATURE_FILE, SUMS_FILE, parseSums } from './checksums.js';
import { filesUnder } from './files-under.js';
import { resolveIndexer } from './index-key.js';
import { LeakChecker, leakError } from './leak-check.js';
import { openSealedInto, readIdentities } from './open-export.js';
import { SEALED_SUFFIX } from './seal.js';
import { loadSigningPublicKey, signingPublicPath } from './signing-key.js';
import { MANIFEST_FILE } from './sinks/manifest.js';

export interface VerifyExportOptions {
  dir: string;
  /** The signing public key (minisign `.pub`). @default "<keys>/signing.pub" */
  publicKeyFile?: string;
  /** age identity files, for a sealed export. */
  identityFiles?: string[];
  /** Skip the leak check (a host without the vault). @default false */
  skipLeakCheck?: boolean;
  dataDir?: string;
  keysDir?: string;
  vault?: Vault;
  indexKeyFile?: string;
  indexer?: BlindIndexer;
}

export interface VerifyProblem {
  code: ErrorCode;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  sealed: boolean;
  format: 'manifest' | 'webdataset' | 'unknown';
  /** Files SHA256SUMS lists, and how many matched. */
  files: number;
  signedBy?: string;
  trustedComment?: string;
  /** Lines or samples the leak check read; undefined when skipped. */
  leakCheck?: { lines: number; lookups: number };
  problems: VerifyProblem[];
}

const problemOf = (err: unknown): VerifyProblem => (isSunderError(err) ? { code: err.code, message: err.message.replace(/^\[sunder\] /, '') } : { code: 'INTERNAL', message: String(err) });

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function verifyExport(options: VerifyExportOptions): Promise<VerifyReport> {
  const layout = layoutOf(options);
  const sealed = existsSync(join(options.dir, SUMS_FILE + SEALED_SUFFIX));
  if (!sealed) return verifyPlain(options.dir, options, layout.keysDir, false);
  if (options.identityFiles === undefined || options.identityFiles.length === 0) {
    throw new SunderError('CONFIG_INVALID', 'the export is sealed: pass --identity FILE (the recipient\'s age identity) to verify it', { path: ['identity'] });
  }
  const identities = await readIdentities(options.identityFiles);
  const opened = await mkdtemp(join(tmpdir(), 'sunder-verify-'));
  try {
    try {
      await openSealedInto(options.dir, identities, opened);
    } catch (err) {
      return { ok: false, sealed, format: 'unknown', files: 0, problems: [problemOf(err)] };
    }
    return await verifyPlain(opened, options, layout.keysDir, true);
  } finally {
    await rm(opened, { recursive: true, force: true });
  }
}

async function verifyPlain(dir: string, options: VerifyExportOptions, keysDir: string, sealed: boolean): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const report: VerifyReport = { ok: false, sealed, format: 'unknown', files: 0, problems };
  const key: MinisignKey = await loadSigningPublicKey(options.publicKeyFile ?? signingPublicPath(keysDir));
  // 1. The signature over SHA256SUMS.
  let sumsText: string | undefined;
  try {
    sumsText = await readFile(join(dir, SUMS_FILE), 'utf8');
    const signature = await readFile(join(dir, SIGNATURE_FILE), 'utf8');
    report.trustedComment = verifyMinisign(key, Buffer.from(sumsText, 'utf8'), signature).trustedComment;
    report.signedBy = keyIdHex(key.keyId);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') problems.push({ code: 'EXPORT_SIGNATURE', message: `${SUMS_FILE} or ${SIGNATURE_FILE} is missing` });
    else problems.push(problemOf(err));
  }
  // 2. Every file against SHA256SUMS, both ways.
  const present = new Set((await filesUnder(dir)).map((p) => relative(dir, p).split(sep).join('/')));
  present.delete(SUMS_FILE);
  present.delete(SIGNATURE_FILE);
  let listed: { name: string; sha256: string }[] = [];
  if (sumsText !== undefined) {
    try {
      listed = parseSums(sumsText);
    } catch (err) {
      problems.push(problemOf(err));
    }
  }
  for (const f of listed) {
    if (!present.delete(f.name)) {
      problems.push({ code: 'EXPORT_TAMPERED', message: `${f.name} is listed in ${SUMS_FILE} but missing` });
      continue;
    }
    if ((await sha256Of(join(dir, ...f.name.split('/')))) !== f.sha256) problems.push({ code: 'EXPORT_TAMPERED', message: `${f.name} does not match its SHA-256 in ${SUMS_FILE}` });
    else report.files++;
  }
  for (const extra of present) problems.push({ code: 'EXPORT_TAMPERED', message: `${extra} is not listed in ${SUMS_FILE}` });
  const names = listed.map((f) => f.name);
  const shards = names.filter((n) => /^shard-\d{6}\.tar$/.test(n));
  report.format = names.includes(MANIFEST_FILE) ? 'manifest' : shards.length > 0 ? 'webdataset' : 'unknown';
  // 3. The leak check over every line or sample.
  if (options.skipLeakCheck !== true) {
    try {
      report.leakCheck = await leakCheckExport(dir, report.format, shards, options, keysDir, problems);
    } catch (err) {
      problems.push(problemOf(err));
    }
  }
  report.ok = problems.length === 0;
  return report;
}

async function leakCheckExport(dir: string, format: VerifyReport['format'], shards: string[], options: VerifyExportOptions, keysDir: string, problems: VerifyProblem[]): Promise<{ lines: number; lookups: number }> {
  const layout = layoutOf(options);
  if (options.vault === undefined && !existsSync(layout.vault)) {
    throw new SunderError('FILE_NOT_FOUND', `the leak check needs the vault's blind indexes and there is no vault at ${layout.vault}; pass --data DIR, or --no-leak-check`);
  }
  const exporter = existsSync(keyFilePath(keysDir, 'exporter')) ? await loadRoleKeys(keysDir, 'exporter') : undefined;
  const indexer = await resolveIndexer(options, keysDir, exporter);
  const vault = options.vault ?? new SqliteVault(layout.vault);
  const checker = new LeakChecker(indexer, vault);
  const check = async (line: Record<string, unknown>, where: string) => {
    const id = typeof line.id === 'string' ? line.id : where;
    for (const leak of await checker.leaksOf(line)) problems.push(problemOf(leakError(id, leak)));
  };
  try {
    if (format === 'manifest') {
      let n = 0;
      for await (const text of createInterface({ input: createReadStream(join(dir, MANIFEST_FILE)), crlfDelay: Infinity })) {
        n++;
        if (text.trim() === '') continue;
        await check(JSON.parse(text) as Record<string, unknown>, `line ${n}`);
      }
    } else if (format === 'webdataset') {
      for (const shard of shards) {
        const extract = tarExtract();
        const reading = (async () => {
          for await (const entry of extract) {
            if (entry.header.name.endsWith('.json')) {
              const parts: Buffer[] = [];
              for await (const c of entry) parts.push(c as Buffer);
              await check(JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>, entry.header.name);
            } else {
              entry.resume();
            }
          }
        })();
        const file = createReadStream(join(dir, shard));
        file.on('error', (err) => extract.destroy(err));
        file.pipe(extract as unknown as NodeJS.WritableStream);
        await reading;
      }
    }
  } finally {
    if (options.vault === undefined) await vault.close();
  }
  return { lines: checker.lines, lookups: checker.lookups };
}
