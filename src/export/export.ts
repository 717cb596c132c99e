/**
 * Customer export: decrypts the selected business objects with the exporter role's key and
 * writes them for a recipient. Ids and pseudonyms are re-keyed per export, so two exports (two
 * customers) cannot be joined on them. Withdrawn and erased subjects are left out: the vault
 * lists only active subjects' records, and an erased subject's key is gone anyway.
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream';
import { businessContext, mediaContext } from '../crypto/contexts.js';
import { decryptObject, readHeader } from '../crypto/format.js';
import { createDecryptStream } from '../crypto/stream.js';
import { scopedToken } from '../crypto/hmac.js';
import { loadRoleKeys, type ReaderKeys } from '../crypto/keys.js';
import { SubjectKeyring } from '../crypto/subject-keys.js';
import { isSunderError, SunderError } from '../errors.js';
import { auditExport } from '../audit/hooks.js';
import { ensureAuditKey } from '../audit/open.js';
import { readableFormat } from '../migrate/version.js';
import { SqliteKeyStore } from '../keystore/sqlite.js';
import type { KeyStore } from '../keystore/keystore.js';
import { layoutOf, type Layout } from '../layout.js';
import { BoundedMap } from '../pipeline/bounded-map.js';
import type { BusinessObject } from '../pipeline/seal.js';
import { FsObjectStore } from '../store/fs.js';
import type { ObjectStore } from '../store/object-store.js';
import { SqliteVault } from '../vault/sqlite.js';
import type { Vault } from '../vault/vault.js';
import { existsSync } from 'node:fs';
import { osError } from '../os-errors.js';
import type { BlindIndexer } from '../crypto/blind-index.js';
import { openOutputDir } from './output-dir.js';
import { resolveIndexer } from './index-key.js';
import { LeakChecker } from './leak-check.js';
import { SEALED_SUFFIX } from './seal.js';
import { ensureSigningKey, loadSigningKey } from './signing-key.js';
import { openSink } from './sinks/open-sink.js';
import { MANIFEST_FILE } from './sinks/manifest.js';
import type { ExportFormat, ExportSink, SampleMedia } from './sinks/sink.js';
import { SUMS_FILE } from './checksums.js';

export interface ExportOptions {
  /**
   * Folder to write `manifest.jsonl` (and `media/`) into: new or empty, or any folder with
   * `force`. The export is written beside it and moved into place only when complete.
   */
  out: string;
  /** Replace the contents of a non-empty `out` (once the new export is complete). @default false */
  force?: boolean;
  /** Only this project's records. @default every project */
  project?: string;
  /** @default "./sunder-data" */
  dataDir?: string;
  /** @default "<dataDir>/keys" */
  keysDir?: string;
  vault?: Vault;
  keystore?: KeyStore;
  store?: ObjectStore;
  /** `manifest` (manifest.jsonl + media/) or `webdataset` (tar shards). @default "manifest" */
  format?: ExportFormat;
  /** Webdataset shard size in bytes. @default 1e9 */
  shardSize?: number;
  /** age X25519 recipient (`age1…`): every file of the export is sealed to it (`NAME.age`). */
  sealTo?: string;
  /** A key file holding `indexKey`, for the leak check (index-key.ts says where else it is looked for). */
  indexKeyFile?: string;
  /** A blind indexer to use instead of a local index key (a KMS-backed one). */
  indexer?: BlindIndexer;
}

export interface ExportSummary {
  exportId: string;
  records: number;
  media: number;
  /** Records skipped because their subject's key is gone (erased). */
  skipped: number;
  elapsedMs: number;
  manifest: string;
  format: ExportFormat;
  sealed: boolean;
  /** SHA-256 of SHA256SUMS: pins every file of the export. */
  manifestSha256: string;
  /** Files SHA256SUMS lists. */
  files: number;
  /** Lines the leak check passed, and the blind-index lookups it made. */
  leakCheck: { lines: number; lookups: number };
}

const EXT: Record<string, string> = {
  jpeg: 'jpg', png: 'png', webp: 'webp', tiff: 'tif', wav: 'wav', flac: 'flac', mp3: 'mp3', mp4: 'mp4', mov: 'mov', m4a: 'm4a', ogg: 'ogg',
  aiff: 'aiff', heic: 'heic', avif: 'avif',
};

/**
 * FORMAT_CONTEXT from an object the vault row points at means the row and the object disagree
 * about whose it is (a pointer swapped or moved): reported as TAMPER_BINDING, apart from generic
 * corruption. `row` counts the export's rows, so the message holds no record id or value.
 */
function bindingError(err: unknown, row: number): unknown {
  if (!isSunderError(err, 'FORMAT_CONTEXT')) return err;
  return new SunderError('TAMPER_BINDING', `export row ${row + 1}: the vault row points at an object sealed for another record, subject or project (the vault was altered); export stopped`,
    { path: ['records', row], cause: err });
}

function bound<T>(open: () => T, row: number): T {
  try {
    return open();
  } catch (err) {
    throw bindingError(err, row);
  }
}

export async function exportDataset(options: ExportOptions): Promise<ExportSummary> {
  const started = Date.now();
  const layout = layoutOf(options);
  if (options.vault === undefined && !existsSync(layout.vault)) {
    throw new SunderError('FILE_NOT_FOUND', `no vault at ${layout.vault}; ingest something first or pass --data DIR`);
  }
  const keys = await loadRoleKeys(layout.keysDir, 'exporter');
  const indexer = await resolveIndexer(options, layout.keysDir, keys);
  await ensureAuditKey(layout);
  await ensureSigningKey(layout.keysDir);
  const signingKey = await loadSigningKey(layout.keysDir);
  const output = await openOutputDir(options.out, options.force === undefined ? {} : { force: options.force });
  try {
    const exportId = randomBytes(8).toString('hex');
    const sink = openSink(options.format ?? 'manifest', output.dir, {
      signing: { key: signingKey, exportId },
      ...(options.sealTo === undefined ? {} : { sealTo: options.sealTo }),
      ...(options.shardSize === undefined ? {} : { shardSize: options.shardSize }),
    });
    const summary = await writeExport(options, layout, keys, { sink, exportId, indexer }, started).catch(async (err: unknown) => {
      await sink.abort();
      throw err;
    });
    await output.commit();
    const main = summary.format === 'manifest' ? MANIFEST_FILE : SUMS_FILE;
    return { ...summary, manifest: join(output.target, main) + (summary.sealed ? SEALED_SUFFIX : '') };
  } catch (err) {
    // No half export: the temporary folder holds decrypted data.
    await output.abort();
    throw osError(err, { what: 'the export', path: output.target });
  }
}

async function writeExport(
  options: ExportOptions,
  layout: Layout,
  keys: ReaderKeys,
  to: { sink: ExportSink; exportId: string; indexer: BlindIndexer },
  started: number,
): Promise<ExportSummary> {
  const { sink, exportId } = to;
  const vault = options.vault ?? new SqliteVault(layout.vault);
  const keystore = options.keystore ?? new SqliteKeyStore(layout.keystore);
  const store = options.store ?? new FsObjectStore(layout.objects);
  const keyring = new SubjectKeyring(keys);
  // Version 2: every key row's MAC is checked before its wrapped key is opened (KEYSTORE_TAMPERED).
  let checkedKeys: ReturnType<typeof readableFormat>;
  try {
    checkedKeys = readableFormat(vault, keystore, keys);
    await checkedKeys?.checkRowMacKey();
  } catch (err) {
    if (options.vault === undefined) await vault.close();
    if (options.keystore === undefined) await keystore.close();
    throw err;
  }
  const wrappedFor = async (keyId: string): Promise<Uint8Array | undefined> =>
    checkedKeys !== undefined ? (await checkedKeys.row(keyId))?.wrappedExporter : (await keystore.rows([keyId])).get(keyId)?.wrappedExporter;
  // A fresh key per export: its ids and pseudonyms join with no other export's.
  const exportKey = randomBytes(32);
  const leaks = new LeakChecker(to.indexer, vault);
  const summary: ExportSummary = {
    exportId, records: 0, media: 0, skipped: 0, elapsedMs: 0, manifest: '', format: sink.format, sealed: options.sealTo !== undefined,
    manifestSha256: '', files: 0, leakCheck: { lines: 0, lookups: 0 },
  };
  // A subject's export pseudonym, once per subject rather than one HMAC per record.
  const pseudonyms = new BoundedMap<string, string>(10_000);
  const exportPseudonym = (p: string): string => {
    let t = pseudonyms.get(p);
    if (t === undefined) pseudonyms.set(p, (t = scopedToken(exportKey, 'pseudonym', p)));
    return t;
  };
  let segmentKey = '';
  let segment: Buffer | undefined;
  try {
    for await (const row of vault.listForExport(options.project === undefined ? {} : { project: options.project })) {
      // Withdrawn and erased subjects never leave (the vault lists every record; selection is here).
      if (row.status !== 'active') continue;
      // The key store is asked once per subject, not per record (measured: ~22 µs a lookup).
      let identity = keyring.cached(row.keyId);
      if (identity === undefined) {
        const wrapped = await wrappedFor(row.keyId);
        if (wrapped === undefined) {
          summary.skipped++;
          continue;
        }
        identity = keyring.identity(row.keyId, wrapped);
      }
      if (row.segmentKey !== segmentKey) {
        const stream = await store.get(row.segmentKey);
        const parts: Buffer[] = [];
        for await (const c of stream) parts.push(c as Buffer);
        segment = Buffer.concat(parts);
        segmentKey = row.segmentKey;
      }
      if (segment === undefined || row.offset + row.length > segment.length) {
        throw new SunderError('STORE_CORRUPT', `segment ${row.segmentKey} is shorter than the vault says`);
      }
      const sealed = segment.subarray(row.offset, row.offset + row.length);
      // An object wrapped to another subject's key: the row was pointed at someone else's object.
      if (bound(() => readHeader(sealed), summary.records).keyId !== row.keyId) throw bindingError(new SunderError('FORMAT_CONTEXT', 'key id differs'), summary.records);
      // Opened with the context the vault row implies: an object that belongs to another record,
      // subject or project does not open (TAMPER_BINDING), whatever the row points at.
      const plain = bound(() => decryptObject(identity, sealed, {
        context: businessContext(row.binding, row.pseudonym, row.project, row.recordId), objectId: Buffer.from(row.objectId, 'base64url'),
      }), summary.records);
      const obj = JSON.parse(Buffer.from(plain).toString('utf8')) as BusinessObject;
      const line: Record<string, unknown> & { id: string } = {
        id: scopedToken(exportKey, 'object', obj.id),
        pseudonym: exportPseudonym(obj.pseudonym),
        project: obj.project,
        collectedAt: obj.collectedAt,
        quasi: obj.quasi,
        attributes: obj.attributes,
        text: obj.text,
      };
      // Before a byte of the object is written: no line that names a vault subject leaves.
      await leaks.check(line, line.id);
      const media: SampleMedia[] = [];
      for (const m of obj.media) {
        const decrypt = createDecryptStream(identity, { context: mediaContext(row.binding, row.pseudonym, row.project, row.recordId, m.kind), objectId: Buffer.from(m.id, 'base64url') });
        // Read by the sink as it writes; an error on either side reaches the sink's read.
        const stream = pipeline(await store.get(`media/${m.id}`), decrypt, () => undefined);
        // The stored fields in their stored order; the sinks put the hash of what they wrote in `sha256`.
        const { id: _id, ...meta } = m;
        media.push({ id: scopedToken(exportKey, 'media', m.id), ext: EXT[m.format] ?? 'bin', stream, size: m.bytes, meta });
      }
      await sink.addSample(line, media).catch((err: unknown) => {
        for (const m of media) m.stream.destroy();
        throw bindingError(err, summary.records);
      });
      summary.media += media.length;
      summary.records++;
    }
  } catch (err) {
    await auditExport(layout, summary, options, err);
    throw err;
  } finally {
    summary.leakCheck = { lines: leaks.lines, lookups: leaks.lookups };
    if (options.vault === undefined) await vault.close();
    if (options.keystore === undefined) await keystore.close();
  }
  await sink.addFile('export.json', JSON.stringify({ exportId, format: sink.format, records: summary.records, media: summary.media, project: options.project ?? null }, null, 2) + '\n');
  const written = await sink.finish();
  summary.manifestSha256 = written.manifestSha256;
  summary.files = written.files.length;
  summary.elapsedMs = Date.now() - started;
  await auditExport(layout, summary, options);
  return summary;
}
