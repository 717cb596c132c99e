/**
 * Customer export: decrypts the selected business objects with the exporter role's key and
 * writes them for a recipient. This file orchestrates; each concern is its own file:
 *   recipients.ts      which recipient, registered (RECIPIENT_UNKNOWN / RECIPIENT_REQUIRED)
 *   recipient-ids.ts   its stable, unlinkable pseudonyms and object ids
 *   source.ts, select.ts  which records and fields may go, and why the others do not
 *   rescan.ts          the detection engine once more over every text field and attribute
 *   quasi-levels.ts, k-anonymity.ts  generalisation and the k-anonymity check over the union
 *   ledger.ts          the disclosure ledger (begun, filled in batches, finished once in place)
 *   leak-check.ts      no line naming a vault subject leaves (blind-index lookups, before writing)
 *   sinks/             how lines and media land (manifest or webdataset), SHA256SUMS, its
 *                      minisign signature, age sealing
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream';
import type { BlindIndexer } from '../crypto/blind-index.js';
import { mediaContext } from '../crypto/contexts.js';
import { createDecryptStream } from '../crypto/stream.js';
import { loadRoleKeys } from '../crypto/keys.js';
import { SunderError } from '../errors.js';
import { auditExport } from '../audit/hooks.js';
import { ensureAuditKey } from '../audit/open.js';
import { SqliteKeyStore } from '../keystore/sqlite.js';
import type { KeyStore } from '../keystore/keystore.js';
import { layoutOf } from '../layout.js';
import { parsePolicy, type Policy, type PolicyInput } from '../record/policy.js';
import { FsObjectStore } from '../store/fs.js';
import type { ObjectStore } from '../store/object-store.js';
import { SqliteVault } from '../vault/sqlite.js';
import type { RecipientRow, Vault } from '../vault/vault.js';
import { existsSync } from 'node:fs';
import { osError } from '../os-errors.js';
import { reshredErased } from '../rights/reshred.js';
import { openOutputDir } from './output-dir.js';
import { resolveRecipient } from './recipients.js';
import { adHocKey, recipientKey, RecipientIds } from './recipient-ids.js';
import { bindingError, openRecordSource, type RecordSource } from './source.js';
import { keptFields, noExclusions, parseScopes, type Exclusions, type Selection } from './select.js';
import { Rescanner } from './rescan.js';
import { generalisedFields, parseGeneralise, quasiPlan, tupleAt, tupleKey, type GeneraliseStart, type QuasiPlan } from './quasi-levels.js';
import { KAnonymity, valuesByLevel, type KResult } from './k-anonymity.js';
import { ledgerQuasiKey, LedgerWriter, priorKnowledge } from './ledger.js';
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
  /**
   * The registered recipient (`sunder recipient add`). Required once any recipient is
   * registered; while none is, an export without one is ad hoc: ids under a fresh random key,
   * joinable with nothing, recorded in the ledger under recipient `-`.
   */
  recipient?: string;
  /** Consent scopes the export carries (fields needing others are dropped). @default every scope */
  scopes?: string[];
  /**
   * Where the data goes (ISO 3166-1 alpha-2). @default the recipient's. Can only make an export
   * stricter: it crosses a border when this or the recipient's country is not the collection's.
   */
  jurisdiction?: string;
  /** Minimum class size of exported quasi-identifiers. @default policy export.k (1: no check) */
  k?: number;
  /** Where generalisation starts: `age=10,province=region` or the parsed form. @default policy export.generalise */
  generalise?: string | GeneraliseStart;
  /** The export's policy (detectors, mask operators, export section). @default the default policy */
  policy?: PolicyInput;
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

export interface KSummary {
  k: number;
  /** Smallest class (over the union with earlier deliveries) holding a subject of this export. */
  smallestClass: number;
  /** Records whose quasi-identifiers went out coarser than stored. */
  generalised: number;
  /** Records left out so that no class falls under k. */
  suppressed: number;
  /** Dimensions the check generalised beyond the export's start, by steps. */
  steps: Record<string, number>;
}

export interface ExportSummary {
  exportId: string;
  /** The recipient's name, or null for an ad hoc export. */
  recipient: string | null;
  jurisdiction: string;
  crossBorder: boolean;
  records: number;
  media: number;
  /** Records skipped because their subject's key is gone (erased): `excluded.KEY_SHREDDED`. */
  skipped: number;
  /** Records left out, by reason code. */
  excluded: Exclusions;
  /** Fields (a record's text, a media file) dropped because their scope may not go. */
  fieldsDropped: number;
  /** Identifiers the re-scan found and masked on the way out, by kind. */
  rescanned: Record<string, number>;
  kAnonymity: KSummary;
  /** SHA-256 (hex) of SHA256SUMS: pins every file of the export (the ledger and audit record it). */
  manifestSha256: string;
  elapsedMs: number;
  /** manifest.jsonl (or SHA256SUMS for webdataset; `.age` when sealed) in the final folder. */
  manifest: string;
  format: ExportFormat;
  sealed: boolean;
  /** Files SHA256SUMS lists. */
  files: number;
  /** Lines the leak check passed, and the blind-index lookups it made. */
  leakCheck: { lines: number; lookups: number };
}

/** The ledger's recipient name for ad hoc exports (not a valid registered name). */
export const AD_HOC_RECIPIENT = '-';

const EXT: Record<string, string> = {
  jpeg: 'jpg', png: 'png', webp: 'webp', tiff: 'tif', wav: 'wav', flac: 'flac', mp3: 'mp3', mp4: 'mp4', mov: 'mov', m4a: 'm4a', ogg: 'ogg',
  aiff: 'aiff', heic: 'heic', avif: 'avif',
};

interface Plan {
  policy: Policy;
  recipient: RecipientRow | undefined;
  jurisdiction: string;
  selection: Selection;
  k: number;
  quasi: QuasiPlan;
}

function planOf(options: ExportOptions, recipient: RecipientRow | undefined): Plan {
  const policy = parsePolicy(options.policy ?? {});
  const collection = policy.export.collectionJurisdiction;
  if (options.jurisdiction !== undefined && !/^[A-Z]{2}$/.test(options.jurisdiction)) {
    throw new SunderError('CONFIG_INVALID', 'jurisdiction: expected an ISO 3166-1 alpha-2 code in capitals (CN, DE, US)', { path: ['jurisdiction'] });
  }
  const jurisdiction = options.jurisdiction ?? recipient?.jurisdiction ?? collection;
  const crossBorder = jurisdiction !== collection || (recipient !== undefined && recipient.jurisdiction !== collection);
  const k = options.k ?? policy.export.k;
  if (!Number.isSafeInteger(k) || k < 1) throw new SunderError('CONFIG_INVALID', 'k: expected a whole number of 1 or more', { path: ['k'] });
  const start = typeof options.generalise === 'string' ? parseGeneralise(options.generalise) : options.generalise ?? {};
  return { policy, recipient, jurisdiction, selection: { scopes: parseScopes(options.scopes), crossBorder }, k, quasi: quasiPlan(policy, start) };
}

export async function exportDataset(options: ExportOptions): Promise<ExportSummary> {
  const started = Date.now();
  const layout = layoutOf(options);
  if (options.vault === undefined && !existsSync(layout.vault)) {
    throw new SunderError('FILE_NOT_FOUND', `no vault at ${layout.vault}; ingest something first or pass --data DIR`);
  }
  const keys = await loadRoleKeys(layout.keysDir, 'exporter');
  const indexer = await resolveIndexer(options, layout.keysDir, keys);
  const vault = options.vault ?? new SqliteVault(layout.vault);
  const keystore = options.keystore ?? new SqliteKeyStore(layout.keystore);
  const store = options.store ?? new FsObjectStore(layout.objects);
  const closeOwned = async () => {
    try {
      if (options.vault === undefined) await vault.close();
    } finally {
      if (options.keystore === undefined) await keystore.close();
    }
  };
  const exportId = randomBytes(8).toString('hex');
  let ledger: LedgerWriter | undefined;
  try {
    // A key store restored from a backup must not reopen an erased subject (rights/reshred.ts).
    await reshredErased(vault, keystore);
    // Refused before anything is written: an unknown recipient changes nothing.
    const plan = planOf(options, await resolveRecipient(vault, options.recipient));
    const source = await openRecordSource(vault, keystore, store, keys, options.project === undefined ? {} : { project: options.project }, plan.selection);
    await ensureAuditKey(layout);
    await ensureSigningKey(layout.keysDir);
    const signingKey = await loadSigningKey(layout.keysDir);
    const output = await openOutputDir(options.out, options.force === undefined ? {} : { force: options.force });
    const name = plan.recipient?.name ?? AD_HOC_RECIPIENT;
    ledger = new LedgerWriter(vault, exportId, name, ledgerQuasiKey(keys.secretKey));
    const ids = new RecipientIds(plan.recipient === undefined ? adHocKey() : recipientKey(keys.secretKey, plan.recipient.name));
    let summary: ExportSummary;
    const sink = openSink(options.format ?? 'manifest', output.dir, {
      signing: { key: signingKey, exportId },
      ...(options.sealTo === undefined ? {} : { sealTo: options.sealTo }),
      ...(options.shardSize === undefined ? {} : { shardSize: options.shardSize }),
    });
    try {
      await ledger.begin();
      const k = await checkK(plan, source, plan.recipient === undefined ? undefined : { vault, key: ledgerQuasiKey(keys.secretKey) });
      const leaks = new LeakChecker(indexer, vault);
      summary = await writeExport(options, plan, source, ids, k, ledger, { store, sink, leaks }, exportId, started).catch(async (err: unknown) => {
        await sink.abort();
        throw err;
      });
      await ledger.complete();
      // Audited before the output is in place, as before the ledger: an export whose entry
      // cannot be written is not delivered.
      await auditExport(layout, summary, { ...options, ...(plan.recipient === undefined ? {} : { recipient: plan.recipient.name }) });
      await output.commit();
    } catch (err) {
      // No half export: the temporary folder holds decrypted data.
      await output.abort();
      throw osError(err, { what: 'the export', path: output.target });
    }
    try {
      await ledger.finish({
        manifestSha256: summary.manifestSha256, records: summary.records, media: summary.media,
        summary: JSON.stringify({ excluded: summary.excluded, fieldsDropped: summary.fieldsDropped, rescanned: summary.rescanned, kAnonymity: summary.kAnonymity, crossBorder: summary.crossBorder }),
      });
    } catch (err) {
      // A delivery the ledger cannot record is not left behind: erasure notices could not reach it.
      await rm(output.target, { recursive: true, force: true }).catch(() => undefined);
      throw osError(err, { what: 'the disclosure ledger', path: layout.vault });
    }
    const main = summary.format === 'manifest' ? MANIFEST_FILE : SUMS_FILE;
    return { ...summary, manifest: join(output.target, main) + (summary.sealed ? SEALED_SUFFIX : '') };
  } catch (err) {
    await ledger?.abort();
    // A refusal before the output was opened (unknown recipient, bad option) changed nothing to audit.
    if (ledger !== undefined) await auditExport(layout, { exportId, records: 0, media: 0, skipped: 0 }, options, err);
    throw err;
  } finally {
    await closeOwned();
  }
}

/**
 * First pass, only when the export has a k-anonymity check: every selected record's
 * quasi-identifiers at every level, per subject, with what the recipient already holds; the
 * search decides the levels and who is suppressed. Without a check the start levels stand.
 */
async function checkK(plan: Plan, source: RecordSource, prior: { vault: Vault; key: Uint8Array } | undefined): Promise<KResult | undefined> {
  if (plan.k <= 1) return undefined;
  const check = new KAnonymity(plan.quasi, plan.k, plan.policy.export.maxSuppressedShare);
  if (prior !== undefined) await priorKnowledge(prior.vault, plan.recipient!.name, prior.key, (subjectId, keys) => check.addPrior(subjectId, keys));
  for await (const item of source.items()) {
    if (item.excluded !== undefined || keptFields(item.row, item.obj, plan.selection).exclusion !== undefined) continue;
    const { quasi, attributes } = item.obj;
    check.addCurrent(item.row.subjectId, valuesByLevel(plan.quasi, (d, level) => plan.quasi.dimensions[d]!.valueAt(quasi, attributes, level)));
  }
  return check.solve(plan.quasi.start);
}

async function writeExport(
  options: ExportOptions,
  plan: Plan,
  source: RecordSource,
  ids: RecipientIds,
  k: KResult | undefined,
  ledger: LedgerWriter,
  to: { store: ObjectStore; sink: ExportSink; leaks: LeakChecker },
  exportId: string,
  started: number,
): Promise<ExportSummary> {
  const { store, sink, leaks } = to;
  const levels = k?.levels ?? plan.quasi.start;
  const rescan = new Rescanner(plan.policy, ids.textTokenKey());
  const summary: ExportSummary = {
    exportId, recipient: plan.recipient?.name ?? null, jurisdiction: plan.jurisdiction, crossBorder: plan.selection.crossBorder,
    records: 0, media: 0, skipped: 0, excluded: noExclusions(), fieldsDropped: 0, rescanned: rescan.counts,
    kAnonymity: { k: plan.k, smallestClass: 0, generalised: 0, suppressed: 0, steps: k?.steps ?? {} },
    manifestSha256: '', elapsedMs: 0, manifest: '', format: sink.format, sealed: options.sealTo !== undefined,
    files: 0, leakCheck: { lines: 0, lookups: 0 },
  };
  try {
    for await (const item of source.items()) {
      if (item.excluded !== undefined) {
        summary.excluded[item.excluded]++;
        continue;
      }
      const { row, obj, identity } = item;
      const kept = keptFields(row, obj, plan.selection);
      if (kept.exclusion !== undefined) {
        summary.excluded[kept.exclusion]++;
        continue;
      }
      if (k?.suppressed.has(row.subjectId) === true) {
        summary.excluded.K_ANONYMITY++;
        summary.kAnonymity.suppressed++;
        continue;
      }
      summary.fieldsDropped += kept.dropped;
      const pseudonym = ids.pseudonym(row.subjectId);
      const tokenScope = plan.policy.mask.tokenScope === 'project' ? obj.project : pseudonym;
      const g = generalisedFields(plan.quasi, obj.quasi, obj.attributes, levels);
      if (g.changed) summary.kAnonymity.generalised++;
      const id = ids.object(obj.id);
      const line: Record<string, unknown> & { id: string } = {
        id,
        pseudonym,
        project: obj.project,
        collectedAt: obj.collectedAt,
        quasi: g.quasi,
        attributes: rescan.attributes(g.attributes, tokenScope),
        text: kept.text ? rescan.text(obj.text, tokenScope) : {},
      };
      // Before a byte of the object is written: no line that names a vault subject leaves.
      await leaks.check(line, line.id);
      const media: SampleMedia[] = [];
      for (const m of kept.media) {
        const decrypt = createDecryptStream(identity, { context: mediaContext(row.binding, row.pseudonym, row.project, row.recordId, m.kind), objectId: Buffer.from(m.id, 'base64url') });
        // Read by the sink as it writes; an error on either side reaches the sink's read.
        const stream = pipeline(await store.get(`media/${m.id}`), decrypt, () => undefined);
        // The stored fields in their stored order; the sinks put the hash of what they wrote in `sha256`.
        const { id: _id, ...meta } = m;
        media.push({ id: ids.media(m.id), ext: EXT[m.format] ?? 'bin', stream, size: m.bytes, meta });
      }
      await sink.addSample(line, media).catch((err: unknown) => {
        for (const m of media) m.stream.destroy();
        throw bindingError(err, summary.records);
      });
      summary.media += media.length;
      await ledger.disclose({ subjectId: row.subjectId, recipientPseudonym: pseudonym, objectId: id, recordId: row.recordId, project: obj.project },
        tupleKey(plan.quasi, tupleAt(plan.quasi, obj.quasi, obj.attributes, levels)));
      summary.records++;
    }
  } finally {
    summary.leakCheck = { lines: leaks.lines, lookups: leaks.lookups };
  }
  summary.skipped = summary.excluded.KEY_SHREDDED;
  summary.kAnonymity.smallestClass = k?.smallestClass ?? ledger.smallestClass();
  await sink.addFile('export.json', JSON.stringify({
    exportId, format: sink.format, recipient: summary.recipient, records: summary.records, media: summary.media, project: options.project ?? null,
  }, null, 2) + '\n');
  const written = await sink.finish();
  summary.manifestSha256 = written.manifestSha256;
  summary.files = written.files.length;
  summary.elapsedMs = Date.now() - started;
  return summary;
}
