/**
 * Customer export: decrypts the selected business objects with the exporter role's key and
 * writes them for a recipient. Ids and pseudonyms are re-keyed per export, so two exports (two
 * customers) cannot be joined on them. Withdrawn and erased subjects are left out: the vault
 * lists only active subjects' records, and an erased subject's key is gone anyway.
 */
import { reshredErased } from '../rights/reshred.js';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
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
import { LineWriter } from '../line-writer.js';
import { osError } from '../os-errors.js';
import { openOutputDir } from './output-dir.js';

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
}

export interface ExportSummary {
  exportId: string;
  records: number;
  media: number;
  /** Records skipped because their subject's key is gone (erased). */
  skipped: number;
  elapsedMs: number;
  manifest: string;
}

const EXT: Record<string, string> = {
  jpeg: 'jpg', png: 'png', webp: 'webp', tiff: 'tif', wav: 'wav', flac: 'flac', mp3: 'mp3', mp4: 'mp4', mov: 'mov', m4a: 'm4a', ogg: 'ogg',
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
  await ensureAuditKey(layout);
  const output = await openOutputDir(options.out, options.force === undefined ? {} : { force: options.force });
  try {
    const summary = await writeExport(options, layout, keys, output.dir, started);
    await output.commit();
    return { ...summary, manifest: join(output.target, 'manifest.jsonl') };
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
  outDir: string,
  started: number,
): Promise<ExportSummary> {
  const vault = options.vault ?? new SqliteVault(layout.vault);
  const keystore = options.keystore ?? new SqliteKeyStore(layout.keystore);
  const store = options.store ?? new FsObjectStore(layout.objects);
  const keyring = new SubjectKeyring(keys);
  // Version 2: every key row's MAC is checked before its wrapped key is opened (KEYSTORE_TAMPERED).
  let checkedKeys: ReturnType<typeof readableFormat>;
  try {
    checkedKeys = readableFormat(vault, keystore, keys);
    await checkedKeys?.checkRowMacKey();
    // A key store restored from a backup must not reopen an erased subject (rights/reshred.ts).
    await reshredErased(vault, keystore);
  } catch (err) {
    if (options.vault === undefined) await vault.close();
    if (options.keystore === undefined) await keystore.close();
    throw err;
  }
  const wrappedFor = async (keyId: string): Promise<Uint8Array | undefined> =>
    checkedKeys !== undefined ? (await checkedKeys.row(keyId))?.wrappedExporter : (await keystore.rows([keyId])).get(keyId)?.wrappedExporter;
  // A fresh key per export: its ids and pseudonyms join with no other export's.
  const exportKey = randomBytes(32);
  const exportId = randomBytes(8).toString('hex');
  const manifest = join(outDir, 'manifest.jsonl');
  const out = new LineWriter(manifest, 'the export manifest');
  const summary: ExportSummary = { exportId, records: 0, media: 0, skipped: 0, elapsedMs: 0, manifest };
  // A subject's export pseudonym, once per subject rather than one HMAC per record.
  const pseudonyms = new BoundedMap<string, string>(10_000);
  const exportPseudonym = (p: string): string => {
    let t = pseudonyms.get(p);
    if (t === undefined) pseudonyms.set(p, (t = scopedToken(exportKey, 'pseudonym', p)));
    return t;
  };
  let segmentKey = '';
  let segment: Buffer | undefined;
  let mediaDirMade = false;
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
      const line: Record<string, unknown> = {
        id: scopedToken(exportKey, 'object', obj.id),
        pseudonym: exportPseudonym(obj.pseudonym),
        project: obj.project,
        collectedAt: obj.collectedAt,
        quasi: obj.quasi,
        attributes: obj.attributes,
        text: obj.text,
      };
      if (obj.media.length > 0) {
        if (!mediaDirMade) {
          await mkdir(join(outDir, 'media'), { recursive: true });
          mediaDirMade = true;
        }
        const files = [];
        for (const m of obj.media) {
          const fileId = scopedToken(exportKey, 'media', m.id);
          const file = `media/${fileId}.${EXT[m.format] ?? 'bin'}`;
          const media = createDecryptStream(identity, { context: mediaContext(row.binding, row.pseudonym, row.project, row.recordId, m.kind), objectId: Buffer.from(m.id, 'base64url') });
          const source = await store.get(`media/${m.id}`);
          await pipeline(source, media, createWriteStream(join(outDir, file))).catch((err: unknown) => {
            throw bindingError(err, summary.records);
          });
          const { id: _id, ...rest } = m;
          files.push({ id: fileId, file, ...rest });
          summary.media++;
        }
        line.media = files;
      }
      await out.write(JSON.stringify(line) + '\n');
      summary.records++;
    }
  } catch (err) {
    await auditExport(layout, summary, options, err);
    throw err;
  } finally {
    try {
      await out.close();
    } finally {
      if (options.vault === undefined) await vault.close();
      if (options.keystore === undefined) await keystore.close();
    }
  }
  summary.elapsedMs = Date.now() - started;
  await writeFile(join(outDir, 'export.json'), JSON.stringify({ exportId, records: summary.records, media: summary.media, project: options.project ?? null }, null, 2) + '\n');
  await auditExport(layout, summary, options);
  return summary;
}
