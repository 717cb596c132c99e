/**
 * The embedded vault on SQLite (better-sqlite3). WAL with synchronous=FULL: a batch that
 * returned from `commit` survives a power cut, because the vault write is the commit point.
 */
import type Database from 'better-sqlite3';
import type { StoreVersion } from '../keystore/keystore.js';
import { storeVersionOf } from '../keystore/sqlite.js';
import { SunderError } from '../errors.js';
import { checkOrSetMeta, openSqlite, selectIn } from '../sqlite.js';
import type {
  DisclosedQuasiRow, SegmentRow, DisclosureRow, ExportLedgerRow, ExportRow, MediaRow, PendingRow, RecipientRow, SubjectRow, SubjectStatus, Vault, VaultBatch,
} from './vault.js';
import { digestKey } from './vault.js';

const META = 'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);';
/**
 * Erasure and retention (new tables of format 2, as RIGHTS_SCHEMA). `tombstones` holds only
 * blind-index digests of erased people (no key: a digest says nothing without the index key);
 * `dead_ranges` the byte ranges of dead records until `sunder compact` rewrites their segment;
 * `purged_records` the ids of records purged for retention, so a re-ingest is a duplicate.
 */
const ERASURE_SCHEMA = `
CREATE TABLE IF NOT EXISTS tombstones (
  kind TEXT NOT NULL, digest BLOB NOT NULL, subject_id TEXT NOT NULL, erased_at TEXT NOT NULL, PRIMARY KEY (kind, digest)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS guardian_index (
  kind TEXT NOT NULL, digest BLOB NOT NULL, subject_id TEXT NOT NULL, PRIMARY KEY (kind, digest, subject_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS guardian_index_subject ON guardian_index(subject_id);
CREATE TABLE IF NOT EXISTS erasures (
  erasure_id TEXT NOT NULL, subject_id TEXT NOT NULL, key_id TEXT NOT NULL, erased_at TEXT NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY (erasure_id, subject_id));
CREATE TABLE IF NOT EXISTS dead_ranges (
  segment_id TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL, dead_at TEXT NOT NULL, PRIMARY KEY (segment_id, offset)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dead_media (object_key TEXT PRIMARY KEY, dead_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS purged_records (record_id TEXT PRIMARY KEY, purged_at TEXT NOT NULL);
`;
/**
 * Rights state and the disclosure ledger. Added to format 2 as new tables only (created on open
 * when missing), so a format 2 vault written before them opens unchanged.
 */
const RIGHTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS withdrawals (
  subject_id TEXT NOT NULL, scope TEXT NOT NULL, withdrawn_at TEXT NOT NULL, PRIMARY KEY (subject_id, scope)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reviews (subject_id TEXT PRIMARY KEY, reason TEXT NOT NULL, since TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recipients (
  name TEXT PRIMARY KEY, jurisdiction TEXT NOT NULL, age_recipient TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS exports (
  export_id TEXT PRIMARY KEY, recipient TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
  manifest_sha256 TEXT, records INTEGER NOT NULL DEFAULT 0, media INTEGER NOT NULL DEFAULT 0, summary TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS disclosures (
  export_id TEXT NOT NULL, recipient TEXT NOT NULL, subject_id TEXT NOT NULL, recipient_pseudonym TEXT NOT NULL,
  object_id TEXT NOT NULL, record_id TEXT NOT NULL, project TEXT NOT NULL, disclosed_at TEXT NOT NULL,
  PRIMARY KEY (export_id, object_id));
CREATE INDEX IF NOT EXISTS disclosures_subject ON disclosures(subject_id);
CREATE INDEX IF NOT EXISTS disclosures_recipient ON disclosures(recipient);
CREATE TABLE IF NOT EXISTS disclosed_quasi (
  export_id TEXT NOT NULL, recipient TEXT NOT NULL, subject_id TEXT NOT NULL, quasi BLOB NOT NULL,
  PRIMARY KEY (export_id, subject_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS disclosed_quasi_recipient ON disclosed_quasi(recipient, export_id);
${ERASURE_SCHEMA}`;
/**
 * Format 2. A version 1 vault has a `display` column in `identities` (masked forms in clear) and
 * no `binding` in `records`; `sunder migrate` converts it.
 */
const SCHEMA = `
${META}
-- No index on pseudonym: nothing looks a subject up by it, and it is an HMAC of the (unique)
-- subject id, so it is unique without one. Its random values would dirty a page of that index
-- per new subject in every batch commit (measured: ~45 MB more written per 50,000 records).
CREATE TABLE IF NOT EXISTS subjects (
  subject_id TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE, pseudonym TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active', adult_since TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blind_index (
  kind TEXT NOT NULL, digest BLOB NOT NULL, subject_id TEXT NOT NULL,
  PRIMARY KEY (kind, digest)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blind_index_subject ON blind_index(subject_id);
-- A rowid table: sealed entries are ~700 bytes, too large for a WITHOUT ROWID b-tree.
CREATE TABLE IF NOT EXISTS identities (
  subject_id TEXT NOT NULL, digest BLOB NOT NULL, entry BLOB NOT NULL,
  record_id TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (subject_id, digest));
CREATE TABLE IF NOT EXISTS records (
  record_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, object_id TEXT NOT NULL,
  project TEXT NOT NULL, collected_at TEXT NOT NULL, segment_id TEXT NOT NULL,
  offset INTEGER NOT NULL, length INTEGER NOT NULL, scopes TEXT NOT NULL,
  cross_border INTEGER NOT NULL, policy_version TEXT NOT NULL, run_id TEXT NOT NULL, stored_at TEXT NOT NULL,
  binding INTEGER NOT NULL DEFAULT 2);
CREATE INDEX IF NOT EXISTS records_subject ON records(subject_id);
-- No index on project: only an export filters by it, and an export reads the table once in rowid
-- order anyway (listForExport); the index cost every insert ~1.7 µs (measured, 50,000 records).
CREATE TABLE IF NOT EXISTS media (
  object_id TEXT PRIMARY KEY, record_id TEXT NOT NULL, kind TEXT NOT NULL, format TEXT NOT NULL, bytes INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS media_record ON media(record_id);
CREATE TABLE IF NOT EXISTS segments (
  segment_id TEXT PRIMARY KEY, object_key TEXT NOT NULL, records INTEGER NOT NULL, bytes INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (ref TEXT PRIMARY KEY, run_id TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, summary TEXT);
${RIGHTS_SCHEMA}`;

/**
 * Rows per multi-row INSERT in a batch commit. One `run` per row cost the commit ~9% of the main
 * thread (issue 16's profile): each call crosses into native code, binds, steps and resets. A
 * statement of ROWS_PER_INSERT rows does that once per ROWS_PER_INSERT rows; the rest of a batch
 * goes through the one-row statement, so only two statements per table are ever prepared.
 * Measured with bench/ingest at 16, 64 and 256: see the commit message.
 */
const ROWS_PER_INSERT = 64;

/** A view of the bytes as a Buffer (better-sqlite3 binds Buffers as BLOBs), without a copy. */
const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function valuesList(columns: number, rows: number): string {
  const one = `(${new Array<string>(columns).fill('?').join(', ')})`;
  return new Array<string>(rows).fill(one).join(', ');
}

/** Runs `many` for each full group of ROWS_PER_INSERT rows and `one` for the rest. */
function insertAll<T>(rows: readonly T[], many: Database.Statement, one: Database.Statement, params: (row: T) => unknown[]): void {
  let i = 0;
  for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
    const flat: unknown[] = [];
    for (let k = i; k < i + ROWS_PER_INSERT; k++) flat.push(...params(rows[k]!));
    many.run(flat);
  }
  for (; i < rows.length; i++) one.run(params(rows[i]!));
}

export class SqliteVault implements Vault {
  readonly formatVersion: StoreVersion;
  private readonly db: Database.Database;
  private readonly stmts;
  /** Prepared statements for IN-lists, by SQL text: preparing costs more than running them. */
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(path: string) {
    this.db = openSqlite(path, 'vault', META);
    this.formatVersion = storeVersionOf(this.db, SCHEMA, 'subjects');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.stmts = {
      insertSubject: db.prepare('INSERT INTO subjects (subject_id, key_id, pseudonym, status, adult_since, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertSubjects: db.prepare(`INSERT INTO subjects (subject_id, key_id, pseudonym, status, adult_since, created_at, updated_at) VALUES ${valuesList(7, ROWS_PER_INSERT)}`),
      insertBlinds: db.prepare(`INSERT OR IGNORE INTO blind_index (kind, digest, subject_id) VALUES ${valuesList(3, ROWS_PER_INSERT)}`),
      insertIdentities: db.prepare(`INSERT OR IGNORE INTO identities (subject_id, digest, entry, record_id, created_at) VALUES ${valuesList(5, ROWS_PER_INSERT)}`),
      insertRecords: db.prepare(`INSERT INTO records (record_id, subject_id, object_id, project, collected_at, segment_id, offset, length,
        scopes, cross_border, policy_version, run_id, stored_at) VALUES ${valuesList(13, ROWS_PER_INSERT)}`),
      adultSince: db.prepare('UPDATE subjects SET adult_since = ?, updated_at = ? WHERE subject_id = ? AND (adult_since IS NULL OR adult_since > ?)'),
      insertBlind: db.prepare('INSERT OR IGNORE INTO blind_index (kind, digest, subject_id) VALUES (?, ?, ?)'),
      insertIdentity: db.prepare('INSERT OR IGNORE INTO identities (subject_id, digest, entry, record_id, created_at) VALUES (?, ?, ?, ?, ?)'),
      insertRecord: db.prepare(`INSERT INTO records (record_id, subject_id, object_id, project, collected_at, segment_id, offset, length,
        scopes, cross_border, policy_version, run_id, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertMedia: db.prepare('INSERT INTO media (object_id, record_id, kind, format, bytes) VALUES (?, ?, ?, ?, ?)'),
      insertSegment: db.prepare('INSERT INTO segments (segment_id, object_key, records, bytes, created_at) VALUES (?, ?, ?, ?, ?)'),
      findSubject: db.prepare<[string, Buffer], { subject_id: string; key_id: string; pseudonym: string; status: SubjectStatus; adult_since: string | null }>(
        `SELECT s.subject_id, s.key_id, s.pseudonym, s.status, s.adult_since FROM blind_index b
         JOIN subjects s ON s.subject_id = b.subject_id WHERE b.kind = ? AND b.digest = ?`),
      findTombstone: db.prepare<[string, Buffer], { subject_id: string; key_id: string; pseudonym: string; erased_at: string }>(
        `SELECT s.subject_id, s.key_id, s.pseudonym, t.erased_at FROM tombstones t
         JOIN subjects s ON s.subject_id = t.subject_id WHERE t.kind = ? AND t.digest = ?`),
      insertGuardian: db.prepare('INSERT OR IGNORE INTO guardian_index (kind, digest, subject_id) VALUES (?, ?, ?)'),
      purged: db.prepare<[string], { record_id: string }>('SELECT record_id FROM purged_records WHERE record_id = ?'),
      withdraw: db.prepare("UPDATE subjects SET status = 'withdrawn', updated_at = ? WHERE subject_id = ? AND status = 'active'"),
      addPending: db.prepare('INSERT OR IGNORE INTO pending (ref, run_id, created_at) VALUES (?, ?, ?)'),
      deletePending: db.prepare('DELETE FROM pending WHERE ref = ?'),
      listPending: db.prepare<[], { ref: string; run_id: string }>('SELECT ref, run_id FROM pending'),
      mediaOf: db.prepare<[string], { object_id: string; record_id: string; kind: string; format: string; bytes: number }>(
        'SELECT object_id, record_id, kind, format, bytes FROM media WHERE record_id = ? ORDER BY rowid'),
      startRun: db.prepare('INSERT OR IGNORE INTO runs (run_id, started_at) VALUES (?, ?)'),
      finishRun: db.prepare('UPDATE runs SET finished_at = ?, summary = ? WHERE run_id = ?'),
    };
  }

  async checkOrSetMeta(values: Record<string, string>): Promise<{ mismatched: string[] }> {
    return { mismatched: checkOrSetMeta(this.db, values) };
  }

  async findSubjects(digests: { kind: string; digest: Uint8Array; key?: string }[]): Promise<Map<string, SubjectRow>> {
    // One indexed point lookup per digest: measured faster than one statement with hundreds of
    // OR-ed (kind, digest) terms, which SQLite plans less well.
    const found = new Map<string, SubjectRow>();
    // A batch repeats digests (a subject's records arrive together); a new subject's digest
    // misses each time, so misses are remembered too, not only hits.
    const asked = new Set<string>();
    for (const d of digests) {
      const key = d.key ?? digestKey(d.kind, d.digest);
      if (asked.has(key)) continue;
      asked.add(key);
      const r = this.stmts.findSubject.get(d.kind, Buffer.from(d.digest.buffer, d.digest.byteOffset, d.digest.byteLength));
      if (r !== undefined) {
        found.set(key, { subjectId: r.subject_id, keyId: r.key_id, pseudonym: r.pseudonym, status: r.status, adultSince: r.adult_since });
        continue;
      }
      // An erased person is known only by a tombstone: found as erased, with the erasure's time.
      const t = this.stmts.findTombstone.get(d.kind, Buffer.from(d.digest.buffer, d.digest.byteOffset, d.digest.byteLength));
      if (t !== undefined) found.set(key, { subjectId: t.subject_id, keyId: t.key_id, pseudonym: t.pseudonym, status: 'erased', adultSince: null, erasedAt: t.erased_at });
    }
    return found;
  }

  async existingRecords(recordIds: string[]): Promise<Set<string>> {
    const rows = selectIn<{ record_id: string }>(this.db, this.prepared, 'SELECT record_id FROM records WHERE record_id IN', recordIds);
    const out = new Set(rows.map((r) => r.record_id));
    // Records purged for retention stay known: their re-ingest is a duplicate, not a new record.
    if (this.hasPurged()) for (const id of recordIds) if (!out.has(id) && this.stmts.purged.get(id) !== undefined) out.add(id);
    return out;
  }

  async addPending(rows: PendingRow[]): Promise<void> {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const r of rows) this.stmts.addPending.run(r.ref, r.runId, now);
    })();
  }

  async listPending(): Promise<PendingRow[]> {
    return this.stmts.listPending.all().map((r) => ({ ref: r.ref, runId: r.run_id }));
  }

  async clearPending(refs: string[]): Promise<void> {
    this.db.transaction(() => {
      for (const ref of refs) this.stmts.deletePending.run(ref);
    })();
  }

  async commit(batch: VaultBatch): Promise<void> {
    const now = new Date().toISOString();
    const s = this.stmts;
    this.db.transaction(() => {
      insertAll(batch.subjects, s.insertSubjects, s.insertSubject, (sub) => [sub.subjectId, sub.keyId, sub.pseudonym, sub.status, sub.adultSince, now, now]);
      for (const a of batch.adultSince) s.adultSince.run(a.date, now, a.subjectId, a.date);
      insertAll(batch.blindIndexes, s.insertBlinds, s.insertBlind, (b) => [b.kind, asBuffer(b.digest), b.subjectId]);
      insertAll(batch.identities, s.insertIdentities, s.insertIdentity, (i) => [i.subjectId, asBuffer(i.digest), asBuffer(i.entry), i.recordId, now]);
      for (const b of batch.guardianIndexes ?? []) s.insertGuardian.run(b.kind, Buffer.from(b.digest), b.subjectId);
      for (const seg of batch.segments) s.insertSegment.run(seg.segmentId, seg.objectKey, seg.records, seg.bytes, now);
      insertAll(batch.records, s.insertRecords, s.insertRecord, (r) => [r.recordId, r.subjectId, r.objectId, r.project, r.collectedAt, r.segmentId, r.offset, r.length,
        r.scopes, r.crossBorder ? 1 : 0, r.policyVersion, batch.runId, now]);
      for (const m of batch.media) s.insertMedia.run(m.objectId, m.recordId, m.kind, m.format, m.bytes);
      for (const id of batch.withdrawn) s.withdraw.run(now, id);
      for (const ref of batch.clearPending) s.deletePending.run(ref);
    })();
  }

  async hasKeyIds(keyIds: string[]): Promise<Set<string>> {
    const rows = selectIn<{ key_id: string }>(this.db, this.prepared, 'SELECT key_id FROM subjects WHERE key_id IN', keyIds);
    return new Set(rows.map((r) => r.key_id));
  }

  async *listForExport(filter: { project?: string }): AsyncIterable<ExportRow> {
    // Paged by rowid rather than one open cursor: better-sqlite3 refuses other statements on a
    // connection while a cursor is open, and the exporter looks up media between rows.
    const sql = `SELECT r.rowid AS rid, r.record_id, r.object_id, s.key_id, s.pseudonym, r.project, r.collected_at, g.object_key,
        r.offset, r.length, r.cross_border, ${this.formatVersion === 1 ? '1' : 'r.binding'} AS binding,
        r.subject_id, s.status, r.scopes, v.reason AS review,
        (SELECT group_concat(w.scope, '|') FROM withdrawals w WHERE w.subject_id = r.subject_id) AS withdrawn
      FROM records r JOIN subjects s ON s.subject_id = r.subject_id JOIN segments g ON g.segment_id = r.segment_id
      LEFT JOIN reviews v ON v.subject_id = r.subject_id
      WHERE r.rowid > ? ${filter.project === undefined ? '' : 'AND r.project = ?'}
      ORDER BY r.rowid LIMIT 1000`;
    const stmt = this.db.prepare(sql);
    let after = 0;
    for (;;) {
      const params: unknown[] = filter.project === undefined ? [after] : [after, filter.project];
      const rows = stmt.all(...params) as {
        rid: number; record_id: string; object_id: string; key_id: string; pseudonym: string; project: string; collected_at: string;
        object_key: string; offset: number; length: number; cross_border: number; binding: number;
        subject_id: string; status: SubjectStatus; scopes: string; review: string | null; withdrawn: string | null;
      }[];
      if (rows.length === 0) return;
      for (const r of rows) {
        yield {
          recordId: r.record_id, objectId: r.object_id, keyId: r.key_id, pseudonym: r.pseudonym, project: r.project,
          collectedAt: r.collected_at, segmentKey: r.object_key, offset: r.offset, length: r.length, crossBorder: r.cross_border === 1,
          binding: r.binding === 1 ? 1 : 2, subjectId: r.subject_id, status: r.status, scopes: r.scopes, review: r.review,
          withdrawnScopes: r.withdrawn === null ? [] : r.withdrawn.split('|'),
        };
      }
      after = rows[rows.length - 1]!.rid;
    }
  }

  /** The media rows of a record, in the order they were stored (inspection, beyond the Vault interface). */
  async mediaOf(recordId: string): Promise<MediaRow[]> {
    return this.stmts.mediaOf.all(recordId).map((m) => ({ objectId: m.object_id, recordId: m.record_id, kind: m.kind, format: m.format, bytes: m.bytes }));
  }

  async counts(): Promise<{ subjects: number; records: number; segments: number; identities: number }> {
    const one = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    return {
      subjects: one('SELECT count(*) n FROM subjects'),
      records: one('SELECT count(*) n FROM records'),
      segments: one('SELECT count(*) n FROM segments'),
      identities: one('SELECT count(*) n FROM identities'),
    };
  }

  async startRun(runId: string): Promise<void> {
    this.stmts.startRun.run(runId, new Date().toISOString());
  }

  async finishRun(runId: string, summary: string): Promise<void> {
    this.stmts.finishRun.run(new Date().toISOString(), summary, runId);
  }

  // --- rights state -------------------------------------------------------------------------

  async withdrawScopes(subjectId: string, scopes: string[], at: string): Promise<void> {
    const stmt = this.db.prepare('INSERT OR IGNORE INTO withdrawals (subject_id, scope, withdrawn_at) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const scope of scopes) stmt.run(subjectId, scope, at);
    })();
  }

  async withdrawnScopes(subjectIds: string[]): Promise<Map<string, string[]>> {
    const rows = selectIn<{ subject_id: string; scope: string }>(this.db, this.prepared,
      'SELECT subject_id, scope FROM withdrawals WHERE subject_id IN', subjectIds);
    const out = new Map<string, string[]>();
    for (const r of rows) {
      const list = out.get(r.subject_id);
      if (list === undefined) out.set(r.subject_id, [r.scope]);
      else list.push(r.scope);
    }
    for (const list of out.values()) list.sort();
    return out;
  }

  async setReview(subjectId: string, reason: string | null, at: string): Promise<void> {
    if (reason === null) this.db.prepare('DELETE FROM reviews WHERE subject_id = ?').run(subjectId);
    else this.db.prepare('INSERT INTO reviews (subject_id, reason, since) VALUES (?, ?, ?) ON CONFLICT (subject_id) DO UPDATE SET reason = excluded.reason').run(subjectId, reason, at);
  }

  // --- disclosure ledger ---------------------------------------------------------------------

  async addRecipient(r: RecipientRow): Promise<void> {
    const done = this.db.prepare('INSERT OR IGNORE INTO recipients (name, jurisdiction, age_recipient, created_at) VALUES (?, ?, ?, ?)')
      .run(r.name, r.jurisdiction, r.ageRecipient, r.createdAt);
    if (done.changes === 0) throw new SunderError('RECIPIENT_EXISTS', `a recipient named ${JSON.stringify(r.name)} is already registered`, { path: ['recipient'] });
  }

  async recipient(name: string): Promise<RecipientRow | undefined> {
    const r = this.db.prepare<[string], RecipientDb>('SELECT * FROM recipients WHERE name = ?').get(name);
    return r === undefined ? undefined : recipientRow(r);
  }

  async listRecipients(): Promise<RecipientRow[]> {
    return this.db.prepare<[], RecipientDb>('SELECT * FROM recipients ORDER BY name').all().map(recipientRow);
  }

  async beginExport(e: { exportId: string; recipient: string; startedAt: string }): Promise<void> {
    this.db.prepare('INSERT INTO exports (export_id, recipient, started_at) VALUES (?, ?, ?)').run(e.exportId, e.recipient, e.startedAt);
  }

  async addDisclosures(rows: DisclosureRow[]): Promise<void> {
    const stmt = this.db.prepare(`INSERT INTO disclosures (export_id, recipient, subject_id, recipient_pseudonym, object_id, record_id, project, disclosed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const d of rows) stmt.run(d.exportId, d.recipient, d.subjectId, d.recipientPseudonym, d.objectId, d.recordId, d.project, d.disclosedAt);
    })();
  }

  async finishExport(exportId: string, result: { manifestSha256: string; records: number; media: number; summary: string }): Promise<void> {
    const done = this.db.prepare('UPDATE exports SET finished_at = ?, manifest_sha256 = ?, records = ?, media = ?, summary = ? WHERE export_id = ? AND finished_at IS NULL')
      .run(new Date().toISOString(), result.manifestSha256, result.records, result.media, result.summary, exportId);
    if (done.changes !== 1) throw new SunderError('INTERNAL', `export ${exportId} was not begun, or is finished already`);
  }

  async abortExport(exportId: string): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM disclosures WHERE export_id = ?').run(exportId);
      this.db.prepare('DELETE FROM disclosed_quasi WHERE export_id = ?').run(exportId);
      this.db.prepare('DELETE FROM exports WHERE export_id = ? AND finished_at IS NULL').run(exportId);
    })();
  }

  async listExports(filter: { recipient?: string }): Promise<ExportLedgerRow[]> {
    const rows = filter.recipient === undefined
      ? this.db.prepare<[], ExportDb>('SELECT * FROM exports WHERE finished_at IS NOT NULL ORDER BY finished_at, export_id').all()
      : this.db.prepare<[string], ExportDb>('SELECT * FROM exports WHERE finished_at IS NOT NULL AND recipient = ? ORDER BY finished_at, export_id').all(filter.recipient);
    return rows.map((r) => ({
      exportId: r.export_id, recipient: r.recipient, startedAt: r.started_at, finishedAt: r.finished_at,
      manifestSha256: r.manifest_sha256, records: r.records, media: r.media, summary: r.summary,
    }));
  }

  async *disclosures(filter: { subjectId?: string; recipient?: string; exportId?: string }): AsyncIterable<DisclosureRow> {
    const where: string[] = ['e.finished_at IS NOT NULL', 'd.rowid > ?'];
    const args: unknown[] = [];
    if (filter.subjectId !== undefined) { where.push('d.subject_id = ?'); args.push(filter.subjectId); }
    if (filter.recipient !== undefined) { where.push('d.recipient = ?'); args.push(filter.recipient); }
    if (filter.exportId !== undefined) { where.push('d.export_id = ?'); args.push(filter.exportId); }
    // Paged by rowid (insertion order), as listForExport: no cursor stays open between pages.
    const stmt = this.db.prepare(`SELECT d.rowid AS rid, d.* FROM disclosures d JOIN exports e ON e.export_id = d.export_id
      WHERE ${where.join(' AND ')} ORDER BY d.rowid LIMIT 1000`);
    let after = 0;
    for (;;) {
      const rows = stmt.all(after, ...args) as (DisclosureDb & { rid: number })[];
      if (rows.length === 0) return;
      for (const d of rows) {
        yield {
          exportId: d.export_id, recipient: d.recipient, subjectId: d.subject_id, recipientPseudonym: d.recipient_pseudonym,
          objectId: d.object_id, recordId: d.record_id, project: d.project, disclosedAt: d.disclosed_at,
        };
      }
      after = rows[rows.length - 1]!.rid;
    }
  }

  async addDisclosedQuasi(rows: DisclosedQuasiRow[]): Promise<void> {
    const stmt = this.db.prepare('INSERT INTO disclosed_quasi (export_id, recipient, subject_id, quasi) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const r of rows) stmt.run(r.exportId, r.recipient, r.subjectId, Buffer.from(r.quasi));
    })();
  }

  async *disclosedQuasi(recipient: string): AsyncIterable<DisclosedQuasiRow> {
    // Paged by (export, subject) key, as the other listings: no cursor stays open between pages.
    const stmt = this.db.prepare<[string, string, string, string], { export_id: string; subject_id: string; quasi: Buffer }>(
      `SELECT q.export_id, q.subject_id, q.quasi FROM disclosed_quasi q JOIN exports e ON e.export_id = q.export_id
       WHERE q.recipient = ? AND e.finished_at IS NOT NULL AND (q.export_id > ? OR (q.export_id = ? AND q.subject_id > ?)) ORDER BY q.export_id, q.subject_id LIMIT 1000`);
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = stmt.all(recipient, after[0], after[0], after[1]);
      if (rows.length === 0) return;
      for (const r of rows) yield { exportId: r.export_id, recipient, subjectId: r.subject_id, quasi: new Uint8Array(r.quasi) };
      const last = rows[rows.length - 1]!;
      after = [last.export_id, last.subject_id];
    }
  }

  // --- erasure, retention, compaction --------------------------------------------------------

  private purgedKnown: boolean | undefined;
  /** Whether any record was ever purged (asked once per open; then every new purge sets it). */
  private hasPurged(): boolean {
    this.purgedKnown ??= this.db.prepare('SELECT 1 FROM purged_records LIMIT 1').get() !== undefined;
    return this.purgedKnown;
  }

  async subject(subjectId: string): Promise<SubjectRow | undefined> {
    const r = this.db.prepare<[string], SubjectDb>('SELECT subject_id, key_id, pseudonym, status, adult_since FROM subjects WHERE subject_id = ?').get(subjectId);
    return r === undefined ? undefined : subjectRow(r);
  }

  async subjectByPseudonym(pseudonym: string): Promise<SubjectRow | undefined> {
    const r = this.db.prepare<[string], SubjectDb>('SELECT subject_id, key_id, pseudonym, status, adult_since FROM subjects WHERE pseudonym = ?').get(pseudonym);
    return r === undefined ? undefined : subjectRow(r);
  }

  async childrenOf(digests: { kind: string; digest: Uint8Array }[]): Promise<SubjectRow[]> {
    const stmt = this.db.prepare<[string, Buffer], SubjectDb>(`SELECT s.subject_id, s.key_id, s.pseudonym, s.status, s.adult_since FROM guardian_index g
      JOIN subjects s ON s.subject_id = g.subject_id WHERE g.kind = ? AND g.digest = ? ORDER BY s.subject_id`);
    const out = new Map<string, SubjectRow>();
    for (const d of digests) for (const r of stmt.all(d.kind, Buffer.from(d.digest))) out.set(r.subject_id, subjectRow(r));
    return [...out.values()];
  }

  async recordsOf(subjectId: string): Promise<import('./vault.js').SubjectRecordRow[]> {
    return this.db.prepare<[string], { record_id: string; object_id: string; project: string; collected_at: string; segment_id: string; object_key: string; offset: number; length: number; binding: number; scopes: string }>(
      `SELECT r.record_id, r.object_id, r.project, r.collected_at, r.segment_id, g.object_key, r.offset, r.length,
        ${this.formatVersion === 1 ? '1' : 'r.binding'} AS binding, r.scopes
       FROM records r JOIN segments g ON g.segment_id = r.segment_id WHERE r.subject_id = ? ORDER BY r.rowid`).all(subjectId)
      .map((r) => ({ recordId: r.record_id, objectId: r.object_id, project: r.project, collectedAt: r.collected_at, segmentId: r.segment_id,
        segmentKey: r.object_key, offset: r.offset, length: r.length, binding: r.binding === 1 ? 1 : 2, scopes: r.scopes }));
  }

  async identitiesOf(subjectId: string): Promise<{ entry: Uint8Array; recordId: string; createdAt: string }[]> {
    return this.db.prepare<[string], { entry: Buffer; record_id: string; created_at: string }>('SELECT entry, record_id, created_at FROM identities WHERE subject_id = ? ORDER BY rowid')
      .all(subjectId).map((r) => ({ entry: new Uint8Array(r.entry), recordId: r.record_id, createdAt: r.created_at }));
  }

  async eraseSubject(subjectId: string, erasure: { erasureId: string; at: string; reason: string; tombstone: boolean }): Promise<import('./vault.js').SubjectErasureResult> {
    // Deleted rows are overwritten in the file, not left in free pages (this connection only:
    // ingest deletes little, and pays nothing for it).
    this.db.pragma('secure_delete = ON');
    const db = this.db;
    const result = db.transaction(() => {
      const sub = db.prepare<[string], SubjectDb>('SELECT subject_id, key_id, pseudonym, status, adult_since FROM subjects WHERE subject_id = ?').get(subjectId);
      if (sub === undefined) throw new SunderError('SUBJECT_NOT_FOUND', 'no subject with that subject id', { path: ['subjectId'] });
      const records = db.prepare<[string], { rid: number; record_id: string; object_id: string; project: string; collected_at: string; segment_id: string; offset: number; length: number; scopes: string }>(
        'SELECT rowid AS rid, record_id, object_id, project, collected_at, segment_id, offset, length, scopes FROM records WHERE subject_id = ?').all(subjectId);
      let tombstones = 0;
      if (erasure.tombstone) {
        tombstones = db.prepare(`INSERT INTO tombstones (kind, digest, subject_id, erased_at) SELECT kind, digest, subject_id, ? FROM blind_index WHERE subject_id = ?
          ON CONFLICT (kind, digest) DO UPDATE SET subject_id = excluded.subject_id, erased_at = excluded.erased_at`).run(erasure.at, subjectId).changes;
      }
      const media = this.killRecords(records, erasure.at);
      const blindIndexes = db.prepare('DELETE FROM blind_index WHERE subject_id = ?').run(subjectId).changes;
      db.prepare('DELETE FROM guardian_index WHERE subject_id = ?').run(subjectId);
      const identities = db.prepare('DELETE FROM identities WHERE subject_id = ?').run(subjectId).changes;
      db.prepare('DELETE FROM withdrawals WHERE subject_id = ?').run(subjectId);
      db.prepare('DELETE FROM reviews WHERE subject_id = ?').run(subjectId);
      db.prepare("UPDATE subjects SET status = 'erased', adult_since = NULL, updated_at = ? WHERE subject_id = ?").run(erasure.at, subjectId);
      db.prepare('INSERT INTO erasures (erasure_id, subject_id, key_id, erased_at, reason) VALUES (?, ?, ?, ?, ?)')
        .run(erasure.erasureId, subjectId, sub.key_id, erasure.at, erasure.reason);
      return {
        subjectId, keyId: sub.key_id, pseudonym: sub.pseudonym, media, identities, blindIndexes, tombstones,
        records: records.map((r) => ({ recordId: r.record_id, objectId: r.object_id, project: r.project, collectedAt: r.collected_at, segmentId: r.segment_id })),
      };
    })();
    // The deleted identity entries and blind indexes leave the WAL too (see the key store's delete).
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return result;
  }

  /** Deletes the records (and their media rows), listing their byte ranges and media objects as dead; returns the media count. */
  private killRecords(records: { rid: number; record_id: string; segment_id: string; offset: number; length: number }[], at: string): number {
    const dead = this.db.prepare('INSERT OR IGNORE INTO dead_ranges (segment_id, offset, length, dead_at) VALUES (?, ?, ?, ?)');
    const media = this.db.prepare<[string], { object_id: string }>('SELECT object_id FROM media WHERE record_id = ?');
    const deadMedia = this.db.prepare('INSERT OR IGNORE INTO dead_media (object_key, dead_at) VALUES (?, ?)');
    const delMedia = this.db.prepare('DELETE FROM media WHERE record_id = ?');
    const delRecord = this.db.prepare('DELETE FROM records WHERE rowid = ?');
    let n = 0;
    for (const r of records) {
      dead.run(r.segment_id, r.offset, r.length, at);
      for (const m of media.all(r.record_id)) {
        deadMedia.run(`media/${m.object_id}`, at);
        n++;
      }
      delMedia.run(r.record_id);
      delRecord.run(r.rid);
    }
    return n;
  }

  async eraseRecords(recordIds: string[], at: string): Promise<number> {
    this.db.pragma('secure_delete = ON');
    const rows = selectIn<{ rid: number; record_id: string; segment_id: string; offset: number; length: number }>(this.db, this.prepared,
      'SELECT rowid AS rid, record_id, segment_id, offset, length FROM records WHERE record_id IN', recordIds);
    const purged = this.db.prepare('INSERT OR IGNORE INTO purged_records (record_id, purged_at) VALUES (?, ?)');
    this.db.transaction(() => {
      this.killRecords(rows, at);
      for (const r of rows) purged.run(r.record_id, at);
    })();
    if (rows.length > 0) this.purgedKnown = true;
    return rows.length;
  }

  async erasedKeyIds(): Promise<string[]> {
    return this.db.prepare<[], { key_id: string }>('SELECT DISTINCT key_id FROM erasures').all().map((r) => r.key_id);
  }

  async expiredRecords(project: string, before: string): Promise<{ recordId: string; subjectId: string }[]> {
    return this.db.prepare<[string, string], { record_id: string; subject_id: string }>(
      'SELECT record_id, subject_id FROM records WHERE project = ? AND collected_at < ? ORDER BY rowid').all(project, before)
      .map((r) => ({ recordId: r.record_id, subjectId: r.subject_id }));
  }

  async projects(): Promise<string[]> {
    return this.db.prepare<[], { project: string }>('SELECT DISTINCT project FROM records ORDER BY project').all().map((r) => r.project);
  }

  async deadSegments(): Promise<SegmentRow[]> {
    return this.db.prepare<[], { segment_id: string; object_key: string; records: number; bytes: number }>(
      `SELECT g.segment_id, g.object_key, g.records, g.bytes FROM segments g WHERE g.segment_id IN (SELECT DISTINCT segment_id FROM dead_ranges) ORDER BY g.segment_id`)
      .all().map((g) => ({ segmentId: g.segment_id, objectKey: g.object_key, records: g.records, bytes: g.bytes }));
  }

  async liveRecordsIn(segmentId: string): Promise<{ recordId: string; offset: number; length: number }[]> {
    return this.db.prepare<[string], { record_id: string; offset: number; length: number }>(
      'SELECT record_id, offset, length FROM records WHERE segment_id = ? ORDER BY offset').all(segmentId)
      .map((r) => ({ recordId: r.record_id, offset: r.offset, length: r.length }));
  }

  async replaceSegment(old: SegmentRow, next: { segment: SegmentRow; moved: { recordId: string; offset: number; length: number }[] } | null, runId: string): Promise<void> {
    const now = new Date().toISOString();
    const db = this.db;
    db.transaction(() => {
      if (next !== null) {
        this.stmts.insertSegment.run(next.segment.segmentId, next.segment.objectKey, next.segment.records, next.segment.bytes, now);
        const move = db.prepare('UPDATE records SET segment_id = ?, offset = ?, length = ? WHERE record_id = ? AND segment_id = ?');
        for (const m of next.moved) move.run(next.segment.segmentId, m.offset, m.length, m.recordId, old.segmentId);
        this.stmts.deletePending.run(`object:${next.segment.objectKey}`);
      }
      const left = db.prepare<[string], { n: number }>('SELECT count(*) n FROM records WHERE segment_id = ?').get(old.segmentId)!.n;
      if (left > 0) throw new SunderError('INTERNAL', 'a compacted segment still holds live records that were not moved');
      db.prepare('DELETE FROM dead_ranges WHERE segment_id = ?').run(old.segmentId);
      db.prepare('DELETE FROM segments WHERE segment_id = ?').run(old.segmentId);
      this.stmts.addPending.run(`object:${old.objectKey}`, runId, now);
    })();
  }

  async deadMedia(limit: number): Promise<string[]> {
    return this.db.prepare<[number], { object_key: string }>('SELECT object_key FROM dead_media ORDER BY object_key LIMIT ?').all(limit).map((r) => r.object_key);
  }

  async clearDeadMedia(objectKeys: string[]): Promise<void> {
    const del = this.db.prepare('DELETE FROM dead_media WHERE object_key = ?');
    this.db.transaction(() => {
      for (const k of objectKeys) del.run(k);
    })();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

interface SubjectDb { subject_id: string; key_id: string; pseudonym: string; status: SubjectStatus; adult_since: string | null }
function subjectRow(r: SubjectDb): SubjectRow {
  return { subjectId: r.subject_id, keyId: r.key_id, pseudonym: r.pseudonym, status: r.status, adultSince: r.adult_since };
}

interface RecipientDb { name: string; jurisdiction: string; age_recipient: string | null; created_at: string }
interface ExportDb {
  export_id: string; recipient: string; started_at: string; finished_at: string | null; manifest_sha256: string | null;
  records: number; media: number; summary: string;
}
interface DisclosureDb {
  export_id: string; recipient: string; subject_id: string; recipient_pseudonym: string; object_id: string;
  record_id: string; project: string; disclosed_at: string;
}

function recipientRow(r: RecipientDb): RecipientRow {
  return { name: r.name, jurisdiction: r.jurisdiction, ageRecipient: r.age_recipient, createdAt: r.created_at };
}
