/**
 * The identity vault: who each subject is (sealed), how to find them again (blind indexes),
 * what they consented to, which records are theirs, and what the pipeline has half-written.
 * The vault write is the commit point of an ingest batch.
 */

import type { Binding } from '../crypto/contexts.js';
import type { StoreVersion } from '../keystore/keystore.js';

export type SubjectStatus = 'active' | 'withdrawn' | 'erased';

export interface SubjectRow {
  subjectId: string;
  keyId: string;
  pseudonym: string;
  status: SubjectStatus;
  /**
   * The earliest collection date (`YYYY-MM-DD`) at which a record showed the subject to be 14 or
   * over. Not the birth date: a collection date says nothing more about the person than the
   * record itself does, and ages only grow, so any later record may rely on it.
   */
  adultSince: string | null;
  /**
   * Set only on a row found through a tombstone (an erased subject's identifier): when the
   * erasure happened, so a record whose consent was given later may start a new subject.
   */
  erasedAt?: string;
}

export interface BlindIndexRow {
  kind: string;
  /** HMAC-SHA256 digest (32 bytes). */
  digest: Uint8Array;
  subjectId: string;
}

export interface IdentityRow {
  subjectId: string;
  /** Keyed digest of the identity snapshot: the same snapshot is stored once. */
  digest: Uint8Array;
  /**
   * Sealed identity entry (encrypted object format), to the subject's identity key (officer
   * only). Format 2 seals the masked display forms inside it (`display`); format 1 kept them in
   * clear beside it, which with the blind-index key gave every identifier away (THREAT-MODEL.md).
   */
  entry: Uint8Array;
  recordId: string;
}

export interface RecordRow {
  recordId: string;
  subjectId: string;
  objectId: string;
  project: string;
  collectedAt: string;
  segmentId: string;
  offset: number;
  length: number;
  /** Consent scopes granted for this record, `|`-joined. */
  scopes: string;
  crossBorder: boolean;
  policyVersion: string;
}

export interface MediaRow {
  objectId: string;
  recordId: string;
  kind: string;
  format: string;
  bytes: number;
}

export interface SegmentRow {
  segmentId: string;
  objectKey: string;
  records: number;
  bytes: number;
}

/** Everything one ingest batch writes, applied in one transaction. */
export interface VaultBatch {
  runId: string;
  subjects: SubjectRow[];
  blindIndexes: BlindIndexRow[];
  identities: IdentityRow[];
  records: RecordRow[];
  media: MediaRow[];
  segments: SegmentRow[];
  /** Earliest dates the subject was shown 14 or over; only moves earlier. */
  adultSince: { subjectId: string; date: string }[];
  /** Subjects whose own record withdrew consent. */
  withdrawn: string[];
  /** Object keys and key ids whose pending marks this commit clears. */
  clearPending: string[];
  /**
   * Blind indexes of the guardians named by stored records (digest of the guardian's own
   * normalised identifier, same kinds as a subject's): `--as-guardian` finds the children.
   * Many children may share one guardian. Absent: none.
   */
  guardianIndexes?: BlindIndexRow[];
}

export interface PendingRow {
  /** `object:<store key>` or `key:<key id>`. */
  ref: string;
  runId: string;
}

export interface ExportRow {
  recordId: string;
  objectId: string;
  keyId: string;
  pseudonym: string;
  project: string;
  collectedAt: string;
  segmentKey: string;
  offset: number;
  length: number;
  crossBorder: boolean;
  /** The context scheme the object was sealed under: 1 for objects a version 1 store held before `sunder migrate`. */
  binding: Binding;
  subjectId: string;
  /** The subject's status: an export leaves out all but `active` and counts why. */
  status: SubjectStatus;
  /** Consent scopes granted for this record, `|`-joined (as stored). */
  scopes: string;
  /** Scopes the subject withdrew later (`sunder withdraw --scopes`): excluded from every later export. */
  withdrawnScopes: string[];
  /** Why the subject is held for review (a reason code, e.g. after a correction), or null. */
  review: string | null;
}

/** A registered recipient of exports (a customer). Holds no secret: recipient keys are derived. */
export interface RecipientRow {
  name: string;
  /** ISO 3166-1 alpha-2 country of the recipient: decides whether an export crosses a border. */
  jurisdiction: string;
  /** The recipient's age X25519 recipient (`age1…`) when exports to it are sealed by default. */
  ageRecipient: string | null;
  createdAt: string;
}

/** One export in the disclosure ledger. Only finished exports are listed. */
export interface ExportLedgerRow {
  exportId: string;
  recipient: string;
  startedAt: string;
  finishedAt: string | null;
  /** SHA-256 (hex) of the export's SHA256SUMS, which lists every file of the delivery with its hash. */
  manifestSha256: string | null;
  records: number;
  media: number;
  /** JSON of the export's counts and exclusions by reason code: no personal data. */
  summary: string;
}

/** One object disclosed to one recipient: what access lists and erasure notices are made from. */
export interface DisclosureRow {
  exportId: string;
  recipient: string;
  subjectId: string;
  /** The pseudonym this recipient knows the subject by (recipient-scoped, never the vault's). */
  recipientPseudonym: string;
  /** The object id this recipient knows the object by (recipient-scoped). */
  objectId: string;
  recordId: string;
  project: string;
  disclosedAt: string;
}

/** What one export disclosed of one subject's quasi-identifiers: sealed bytes the vault cannot read. */
export interface DisclosedQuasiRow {
  exportId: string;
  recipient: string;
  subjectId: string;
  quasi: Uint8Array;
}

/**
 * The disclosure ledger and recipient registry. An export is begun, fills its disclosures in
 * batches, and is finished only once its output is in place; an export that failed is aborted
 * (its rows removed), and begun-but-never-finished ones are never listed.
 */
export interface DisclosureLedger {
  /** Throws RECIPIENT_EXISTS when the name is taken. */
  addRecipient(r: RecipientRow): Promise<void>;
  recipient(name: string): Promise<RecipientRow | undefined>;
  listRecipients(): Promise<RecipientRow[]>;
  beginExport(e: { exportId: string; recipient: string; startedAt: string }): Promise<void>;
  addDisclosures(rows: DisclosureRow[]): Promise<void>;
  finishExport(exportId: string, result: { manifestSha256: string; records: number; media: number; summary: string }): Promise<void>;
  abortExport(exportId: string): Promise<void>;
  listExports(filter: { recipient?: string }): Promise<ExportLedgerRow[]>;
  /** Disclosures of finished exports, oldest first. */
  disclosures(filter: { subjectId?: string; recipient?: string; exportId?: string }): AsyncIterable<DisclosureRow>;
  /**
   * The quasi-identifier tuples an export disclosed per subject, sealed by the exporter (opaque
   * here). One row per (export, subject); removed by abortExport with the export's disclosures.
   */
  addDisclosedQuasi(rows: DisclosedQuasiRow[]): Promise<void>;
  /** A recipient's disclosed tuples of finished exports, oldest first (the k-anonymity union). */
  disclosedQuasi(recipient: string): AsyncIterable<DisclosedQuasiRow>;
}

/** Consent and review state that rights commands change and ingest and export read. */
export interface SubjectRights {
  /** Records the withdrawal of these scopes (idempotent; the first time is kept). */
  withdrawScopes(subjectId: string, scopes: string[], at: string): Promise<void>;
  withdrawnScopes(subjectIds: string[]): Promise<Map<string, string[]>>;
  /** Holds the subject for review with a reason code, or clears it with null. */
  setReview(subjectId: string, reason: string | null, at: string): Promise<void>;
}

/** A stored record as the rights commands see it (no business data: that is sealed). */
export interface SubjectRecordRow {
  recordId: string;
  objectId: string;
  project: string;
  collectedAt: string;
  segmentId: string;
  /** Where the sealed business object lies (for `sunder access`). */
  segmentKey: string;
  offset: number;
  length: number;
  binding: Binding;
  /** Consent scopes granted for this record, `|`-joined (as stored). */
  scopes: string;
}

/** What `eraseSubject` removed, in counts and ids only. */
export interface SubjectErasureResult {
  subjectId: string;
  keyId: string;
  pseudonym: string;
  records: Pick<SubjectRecordRow, 'recordId' | 'objectId' | 'project' | 'collectedAt' | 'segmentId'>[];
  media: number;
  identities: number;
  blindIndexes: number;
  tombstones: number;
}

/**
 * Erasure, retention and compaction (h-rights). An erased subject keeps a `subjects` row with
 * status `erased` and its key id (so a restored key store is shredded again), an `erasures` row,
 * and tombstones: the blind-index digests of their identifiers, nothing else. Their identity
 * entries, blind indexes, guardian indexes, withdrawals, review hold and records are deleted;
 * the records' byte ranges are listed as dead for `sunder compact`.
 */
export interface SubjectErasure {
  subject(subjectId: string): Promise<SubjectRow | undefined>;
  /** A full scan of the subjects (the pseudonym has no index: ingest never needs one). */
  subjectByPseudonym(pseudonym: string): Promise<SubjectRow | undefined>;
  /** Subjects whose records named a guardian with one of these digests (guardianIndexes). */
  childrenOf(digests: { kind: string; digest: Uint8Array }[]): Promise<SubjectRow[]>;
  /** The subject's live records, oldest first. */
  recordsOf(subjectId: string): Promise<SubjectRecordRow[]>;
  /** The subject's sealed identity entries, oldest first (each distinct snapshot once). */
  identitiesOf(subjectId: string): Promise<{ entry: Uint8Array; recordId: string; createdAt: string }[]>;
  /** The media rows of a record, in the order they were stored. */
  mediaOf(recordId: string): Promise<MediaRow[]>;
  /**
   * One transaction: status `erased`, an `erasures` row (erasureId, at, reason), tombstones from
   * the subject's blind indexes when `tombstone` (an erasure on request; a retention purge keeps
   * none, so the person may be collected again), every record dead, media listed as dead.
   */
  eraseSubject(subjectId: string, erasure: { erasureId: string; at: string; reason: string; tombstone: boolean }): Promise<SubjectErasureResult>;
  /**
   * Marks single records dead (retention); their ids stay known, so a re-ingest of the same
   * record is a duplicate, not a new record. Returns how many were live.
   */
  eraseRecords(recordIds: string[], at: string): Promise<number>;
  /** Key ids of every erased subject: deleted again from a key store restored from a backup. */
  erasedKeyIds(): Promise<string[]>;
  /** Live records of `project` collected before `before` (ISO 8601). */
  expiredRecords(project: string, before: string): Promise<{ recordId: string; subjectId: string }[]>;
  /** Projects that have live records. */
  projects(): Promise<string[]>;
  /** Segments that hold at least one dead record. */
  deadSegments(): Promise<SegmentRow[]>;
  /** The live records of a segment, by offset. */
  liveRecordsIn(segmentId: string): Promise<{ recordId: string; offset: number; length: number }[]>;
  /**
   * Swaps a compacted segment in, in one transaction: the new segment row (or none when nothing
   * in the old one lived), the moved records' new places, the old segment's row and dead ranges
   * gone, and a pending mark `object:<old key>` so that the old object is deleted even after a crash.
   */
  replaceSegment(old: SegmentRow, next: { segment: SegmentRow; moved: { recordId: string; offset: number; length: number }[] } | null, runId: string): Promise<void>;
  /** Object keys of dead media, up to `limit`. */
  deadMedia(limit: number): Promise<string[]>;
  clearDeadMedia(objectKeys: string[]): Promise<void>;
}

export interface Vault extends DisclosureLedger, SubjectRights, SubjectErasure {
  /** The store's on-disk version; a new store is created at the current version (2). */
  readonly formatVersion: StoreVersion;
  /**
   * True when any number of processes may write at once (PostgreSQL): the database makes the
   * decisions, so no writer lock is taken. Absent: one writer (the embedded SQLite vault).
   */
  readonly concurrentWriters?: boolean;
  /** Sets meta values once, and checks them on every later open (wrong keys are found at once). */
  checkOrSetMeta(values: Record<string, string>): Promise<{ mismatched: string[] }>;
  /**
   * Subjects for the given blind-index digests, keyed by `digestKey(kind, digest)`. A caller that
   * has computed that key already passes it as `key`, so it is not encoded again per lookup.
   */
  findSubjects(digests: { kind: string; digest: Uint8Array; key?: string }[]): Promise<Map<string, SubjectRow>>;
  /** Which of these record ids are already stored. */
  existingRecords(recordIds: string[]): Promise<Set<string>>;
  /** Marks object keys or key ids as written-but-uncommitted, before they are written. */
  addPending(rows: PendingRow[]): Promise<void>;
  listPending(): Promise<PendingRow[]>;
  clearPending(refs: string[]): Promise<void>;
  /** The commit point: every row of the batch, atomically. */
  commit(batch: VaultBatch): Promise<void>;
  /** Key ids of all subjects the vault knows (for key-store recovery). */
  hasKeyIds(keyIds: string[]): Promise<Set<string>>;
  /**
   * Committed records for export, whatever their subject's state (the exporter leaves out and
   * counts what may not go); optionally one project.
   */
  listForExport(filter: { project?: string }): AsyncIterable<ExportRow>;
  /** Row counts of the main tables: a store's size at a glance. */
  counts(): Promise<{ subjects: number; records: number; segments: number; identities: number }>;
  startRun(runId: string): Promise<void>;
  finishRun(runId: string, summary: string): Promise<void>;
  close(): Promise<void>;
}

export function digestKey(kind: string, digest: Uint8Array): string {
  return `${kind}:${Buffer.from(digest).toString('hex')}`;
}
