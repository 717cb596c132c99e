/**
 * The vault on PostgreSQL, for deployments where many ingest hosts write at once. There is no
 * writer lock: the database makes every decision that two hosts could make differently.
 *
 *   - One subject per identifier: `blind_index (kind, digest)` is unique. A commit whose new
 *     blind index was taken by another host's subject meanwhile rolls back with VAULT_CONFLICT;
 *     the batch is prepared again (batch-queue.ts) and then finds the winner's subject.
 *   - Each record once: `records.record_id` is unique, the same way.
 *   - Recovery never touches a live host's work: every run holds a session-level advisory lock
 *     on its run id for its whole life (`startRun`), and `listPending` lists only the marks of
 *     runs whose lock it can take, i.e. whose session is gone. A run that lost its session while
 *     its process lives is fenced at its commit: the commit deletes the run's pending marks and
 *     rolls back with VAULT_FENCED if another host's recovery removed any of them.
 *
 * The commit is one transaction: it is the commit point, as in the embedded vault. Rows go in
 * as one `INSERT ... SELECT FROM unnest(arrays)` per table (bench/pg-batch-insert.ts measured it
 * against multi-row VALUES and COPY; COPY cannot say ON CONFLICT, which the decisions need).
 */
import pg from 'pg';
import { SunderError } from '../errors.js';
import { checkOrSetMetaPg, clientConfig, ensureSchema, openPool, PG, pgCode, unavailable } from '../postgres.js';
import type { StoreVersion } from '../keystore/keystore.js';
import { VAULT_MIGRATIONS } from './postgres-migrations.js';
import type {
  DisclosedQuasiRow, DisclosureRow, ExportLedgerRow, ExportRow, MediaRow, PendingRow, RecipientRow, SegmentRow, SubjectErasureResult, SubjectRecordRow,
  SubjectRow, SubjectStatus, Vault, VaultBatch,
} from './vault.js';
import { PostgresErasure } from './postgres-erasure.js';
import { PostgresLedger } from './postgres-ledger.js';
import { digestKey } from './vault.js';

const RUN_LOCK = "hashtextextended('sunder-run:' || $1, 0)";

interface SubjectDbRow { subject_id: string; key_id: string; pseudonym: string; status: SubjectStatus; adult_since: string | null }

function subjectOf(r: SubjectDbRow): SubjectRow {
  return { subjectId: r.subject_id, keyId: r.key_id, pseudonym: r.pseudonym, status: r.status, adultSince: r.adult_since };
}

function conflict(what: string): SunderError {
  return new SunderError('VAULT_CONFLICT', `another host committed ${what} first; the batch is prepared again`);
}

export class PostgresVault implements Vault {
  readonly formatVersion: StoreVersion = 2;
  /** The session that holds this process's run locks; its loss fences the runs (see above). */
  private owner: pg.Client | undefined;
  private ownerLost = false;
  private readonly ownRuns = new Set<string>();
  private closed = false;
  /** Many hosts may write at once: no writer lock is taken for this vault. */
  readonly concurrentWriters = true;

  private readonly ledger: PostgresLedger;
  private readonly erasure: PostgresErasure;

  private constructor(private readonly pool: pg.Pool, private readonly connectionString: string) {
    this.ledger = new PostgresLedger(pool);
    this.erasure = new PostgresErasure(pool);
  }

  /** Opens the vault a `postgres://` URL names, creating the schema in an empty database. */
  static async open(connectionString: string): Promise<PostgresVault> {
    const pool = openPool(connectionString, 'vault');
    try {
      await ensureSchema(pool, 'vault', VAULT_MIGRATIONS);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw unavailable('vault', err);
    }
    return new PostgresVault(pool, connectionString);
  }

  private async ownerSession(): Promise<pg.Client> {
    if (this.ownerLost) throw new SunderError('VAULT_FENCED', 'this process lost its vault session (the server ended it); its runs stop and a re-run completes them');
    if (this.owner !== undefined) return this.owner;
    const client = new pg.Client(clientConfig(this.connectionString, 'vault'));
    const lost = () => {
      this.ownerLost = true;
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.connect();
    this.owner = client;
    return client;
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw unavailable('vault', err);
    }
  }

  async checkOrSetMeta(values: Record<string, string>): Promise<{ mismatched: string[] }> {
    return this.run(async () => ({ mismatched: await checkOrSetMetaPg(this.pool, values) }));
  }

  async findSubjects(digests: { kind: string; digest: Uint8Array; key?: string }[]): Promise<Map<string, SubjectRow>> {
    const found = new Map<string, SubjectRow>();
    const asked = new Map<string, { kind: string; digest: Buffer }>();
    for (const d of digests) {
      const key = d.key ?? digestKey(d.kind, d.digest);
      if (!asked.has(key)) asked.set(key, { kind: d.kind, digest: Buffer.from(d.digest.buffer, d.digest.byteOffset, d.digest.byteLength) });
    }
    if (asked.size === 0) return found;
    const q = [...asked.values()];
    const rows = await this.run(() => this.pool.query<SubjectDbRow & { kind: string; digest: Buffer }>(
      `SELECT b.kind, b.digest, s.subject_id, s.key_id, s.pseudonym, s.status, s.adult_since
       FROM unnest($1::text[], $2::bytea[]) AS q(kind, digest)
       JOIN blind_index b ON b.kind = q.kind AND b.digest = q.digest
       JOIN subjects s ON s.subject_id = b.subject_id`,
      [q.map((d) => d.kind), q.map((d) => d.digest)]));
    for (const r of rows.rows) found.set(digestKey(r.kind, r.digest), subjectOf(r));
    // An erased person is known only by a tombstone: found as erased, with the erasure's time.
    const missed = [...asked].filter(([key]) => !found.has(key)).map(([, d]) => d);
    if (missed.length === 0) return found;
    const dead = await this.run(() => this.pool.query<{ kind: string; digest: Buffer; subject_id: string; key_id: string; pseudonym: string; erased_at: string }>(
      `SELECT t.kind, t.digest, s.subject_id, s.key_id, s.pseudonym, t.erased_at
       FROM unnest($1::text[], $2::bytea[]) AS q(kind, digest)
       JOIN tombstones t ON t.kind = q.kind AND t.digest = q.digest
       JOIN subjects s ON s.subject_id = t.subject_id`,
      [missed.map((d) => d.kind), missed.map((d) => d.digest)]));
    for (const t of dead.rows) {
      found.set(digestKey(t.kind, t.digest), { subjectId: t.subject_id, keyId: t.key_id, pseudonym: t.pseudonym, status: 'erased', adultSince: null, erasedAt: t.erased_at });
    }
    return found;
  }

  async existingRecords(recordIds: string[]): Promise<Set<string>> {
    if (recordIds.length === 0) return new Set();
    // Records purged for retention stay known: their re-ingest is a duplicate, not a new record.
    const rows = await this.run(() => this.pool.query<{ record_id: string }>(
      `SELECT record_id FROM records WHERE record_id = ANY($1::text[])
       UNION ALL SELECT record_id FROM purged_records WHERE record_id = ANY($1::text[])`, [recordIds]));
    return new Set(rows.rows.map((r) => r.record_id));
  }

  async addPending(rows: PendingRow[]): Promise<void> {
    if (rows.length === 0) return;
    // A run writes only while its session holds its lock: otherwise another host could count
    // it dead and remove what it is about to write.
    for (const runId of new Set(rows.map((r) => r.runId))) {
      if (this.ownRuns.has(runId)) await this.ownerSession();
    }
    await this.run(() => this.pool.query('INSERT INTO pending (ref, run_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (ref) DO NOTHING',
      [rows.map((r) => r.ref), rows.map((r) => r.runId)]));
  }

  /**
   * The pending marks of runs that no live session owns (their process ended, or lost its
   * session): those recovery may remove. Marks of this process's own runs are left out too.
   */
  async listPending(): Promise<PendingRow[]> {
    return this.run(async () => {
      const runs = await this.pool.query<{ run_id: string }>('SELECT DISTINCT run_id FROM pending');
      const owner = await this.ownerSession();
      const dead: string[] = [];
      for (const { run_id: runId } of runs.rows) {
        if (this.ownRuns.has(runId)) continue;
        const got = await owner.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${RUN_LOCK}) AS ok`, [runId]);
        if (got.rows[0]!.ok) {
          await owner.query(`SELECT pg_advisory_unlock(${RUN_LOCK})`, [runId]);
          dead.push(runId);
        }
      }
      if (dead.length === 0) return [];
      const rows = await this.pool.query<{ ref: string; run_id: string }>('SELECT ref, run_id FROM pending WHERE run_id = ANY($1::text[])', [dead]);
      return rows.rows.map((r) => ({ ref: r.ref, runId: r.run_id }));
    });
  }

  async clearPending(refs: string[]): Promise<void> {
    if (refs.length === 0) return;
    await this.run(() => this.pool.query('DELETE FROM pending WHERE ref = ANY($1::text[])', [refs]));
  }

  async commit(batch: VaultBatch): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw unavailable('vault', err);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      await this.commitIn(client, batch);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      const code = pgCode(err);
      // Two commits that wait on each other's new rows: one is chosen to fail; it retries.
      if (code === PG.DEADLOCK_DETECTED || code === PG.SERIALIZATION_FAILURE) throw conflict('rows this batch also writes');
      if (code === PG.UNIQUE_VIOLATION) throw conflict('a row with the same key');
      throw unavailable('vault', err);
    } finally {
      client.release(broken);
    }
  }

  private async commitIn(client: pg.PoolClient, b: VaultBatch): Promise<void> {
    // First, the fence: this batch's pending marks must still be there, or another host's
    // recovery took this run for dead and may have removed its objects.
    const marks = [...new Set(b.clearPending)];
    if (marks.length > 0) {
      const gone = await client.query('DELETE FROM pending WHERE ref = ANY($1::text[])', [marks]);
      if (this.ownRuns.has(b.runId) && (gone.rowCount ?? 0) < marks.length) {
        throw new SunderError('VAULT_FENCED', 'another host recovered this run (its session was lost): the batch is not committed');
      }
    }
    await this.refuseErasedSubjects(client, b);
    if (b.subjects.length > 0) {
      const s = b.subjects;
      await client.query(`INSERT INTO subjects (subject_id, key_id, pseudonym, status, adult_since)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
      [s.map((r) => r.subjectId), s.map((r) => r.keyId), s.map((r) => r.pseudonym), s.map((r) => r.status), s.map((r) => r.adultSince)]);
    }
    if (b.adultSince.length > 0) {
      await client.query(`UPDATE subjects s SET adult_since = u.date, updated_at = now()
        FROM unnest($1::text[], $2::text[]) AS u(id, date)
        WHERE s.subject_id = u.id AND (s.adult_since IS NULL OR s.adult_since > u.date)`,
      [b.adultSince.map((a) => a.subjectId), b.adultSince.map((a) => a.date)]);
    }
    if (b.blindIndexes.length > 0) {
      // Sorted, so two commits insert overlapping keys in one order and wait rather than deadlock.
      const rows = [...b.blindIndexes].sort((x, y) => x.kind.localeCompare(y.kind) || Buffer.compare(Buffer.from(x.digest), Buffer.from(y.digest)));
      const inserted = await client.query(`INSERT INTO blind_index (kind, digest, subject_id)
        SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[]) ON CONFLICT (kind, digest) DO NOTHING`,
      [rows.map((r) => r.kind), rows.map((r) => Buffer.from(r.digest)), rows.map((r) => r.subjectId)]);
      if ((inserted.rowCount ?? 0) < rows.length) {
        // Taken already: harmless if by the same subject (two hosts adding a returning
        // subject's new identifier), a conflict if by another subject.
        const other = await client.query(`SELECT 1 FROM unnest($1::text[], $2::bytea[], $3::text[]) AS q(kind, digest, subject_id)
          JOIN blind_index b ON b.kind = q.kind AND b.digest = q.digest WHERE b.subject_id <> q.subject_id LIMIT 1`,
        [rows.map((r) => r.kind), rows.map((r) => Buffer.from(r.digest)), rows.map((r) => r.subjectId)]);
        if (other.rows.length > 0) throw conflict('a subject for one of these identifiers');
      }
    }
    if (b.identities.length > 0) {
      const i = b.identities;
      await client.query(`INSERT INTO identities (subject_id, digest, entry, record_id)
        SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::text[]) ON CONFLICT (subject_id, digest) DO NOTHING`,
      [i.map((r) => r.subjectId), i.map((r) => Buffer.from(r.digest)), i.map((r) => Buffer.from(r.entry)), i.map((r) => r.recordId)]);
    }
    if (b.guardianIndexes !== undefined && b.guardianIndexes.length > 0) {
      // Sorted, as the blind indexes: many children share a guardian, so hosts insert the same keys.
      const rows = [...b.guardianIndexes].sort((x, y) => x.kind.localeCompare(y.kind) || Buffer.compare(Buffer.from(x.digest), Buffer.from(y.digest))
        || (x.subjectId < y.subjectId ? -1 : x.subjectId > y.subjectId ? 1 : 0));
      await client.query(`INSERT INTO guardian_index (kind, digest, subject_id)
        SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[]) ON CONFLICT (kind, digest, subject_id) DO NOTHING`,
      [rows.map((r) => r.kind), rows.map((r) => Buffer.from(r.digest)), rows.map((r) => r.subjectId)]);
    }
    if (b.segments.length > 0) {
      const g = b.segments;
      await client.query('INSERT INTO segments (segment_id, object_key, records, bytes) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[])',
        [g.map((r) => r.segmentId), g.map((r) => r.objectKey), g.map((r) => r.records), g.map((r) => r.bytes)]);
    }
    if (b.records.length > 0) {
      // In input order (exports follow `seq`); a deadlock with another host's commit is retried as a conflict.
      const r = b.records;
      const inserted = await client.query(`INSERT INTO records (record_id, subject_id, object_id, project, collected_at, segment_id, "offset", length,
          scopes, cross_border, policy_version, run_id)
        SELECT u.*, $12::text FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
          $9::text[], $10::boolean[], $11::text[]) AS u
        ON CONFLICT (record_id) DO NOTHING`,
      [r.map((x) => x.recordId), r.map((x) => x.subjectId), r.map((x) => x.objectId), r.map((x) => x.project), r.map((x) => x.collectedAt),
        r.map((x) => x.segmentId), r.map((x) => x.offset), r.map((x) => x.length), r.map((x) => x.scopes), r.map((x) => x.crossBorder),
        r.map((x) => x.policyVersion), b.runId]);
      if ((inserted.rowCount ?? 0) < r.length) throw conflict('a record of this batch');
    }
    if (b.media.length > 0) {
      const m = b.media;
      await client.query('INSERT INTO media (object_id, record_id, kind, format, bytes) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])',
        [m.map((x) => x.objectId), m.map((x) => x.recordId), m.map((x) => x.kind), m.map((x) => x.format), m.map((x) => x.bytes)]);
    }
    if (b.withdrawn.length > 0) {
      await client.query("UPDATE subjects SET status = 'withdrawn', updated_at = now() WHERE subject_id = ANY($1::text[]) AND status = 'active'", [b.withdrawn]);
    }
  }

  /**
   * Another host may erase a subject between this batch's preparation (which found the subject
   * live) and its commit: the embedded vault's writer lock rules that out, here the subject rows
   * do. FOR SHARE waits for an erasure in progress (it holds the row FOR UPDATE) and then reads
   * its result; an erased subject makes the batch a conflict, and its preparation again rejects
   * the records (SUBJECT_ERASED) or starts a new subject. Sorted, so lock order is one order.
   */
  private async refuseErasedSubjects(client: pg.PoolClient, b: VaultBatch): Promise<void> {
    const created = new Set(b.subjects.map((s) => s.subjectId));
    const known = [...new Set(b.records.map((r) => r.subjectId))].filter((id) => !created.has(id)).sort();
    if (known.length === 0) return;
    const rows = await client.query<{ status: SubjectStatus }>('SELECT status FROM subjects WHERE subject_id = ANY($1::text[]) ORDER BY subject_id FOR SHARE', [known]);
    if (rows.rows.some((r) => r.status === 'erased')) throw conflict('the erasure of a subject of this batch');
  }

  async hasKeyIds(keyIds: string[]): Promise<Set<string>> {
    if (keyIds.length === 0) return new Set();
    const rows = await this.run(() => this.pool.query<{ key_id: string }>('SELECT key_id FROM subjects WHERE key_id = ANY($1::text[])', [keyIds]));
    return new Set(rows.rows.map((r) => r.key_id));
  }

  async *listForExport(filter: { project?: string }): AsyncIterable<ExportRow> {
    // Keyset pages by `seq`: no cursor held open across the exporter's other reads.
    let after = '0';
    for (;;) {
      const params: unknown[] = filter.project === undefined ? [after] : [after, filter.project];
      const rows = await this.run(() => this.pool.query<{
        seq: string; record_id: string; object_id: string; key_id: string; pseudonym: string; project: string; collected_at: string;
        object_key: string; offset: string; length: string; cross_border: boolean; binding: number;
        subject_id: string; status: SubjectStatus; scopes: string; review: string | null; withdrawn: string[] | null;
      }>(`SELECT r.seq, r.record_id, r.object_id, s.key_id, s.pseudonym, r.project, r.collected_at, g.object_key,
          r."offset", r.length, r.cross_border, r.binding, r.subject_id, s.status, r.scopes, v.reason AS review,
          (SELECT array_agg(w.scope) FROM withdrawals w WHERE w.subject_id = r.subject_id) AS withdrawn
        FROM records r JOIN subjects s ON s.subject_id = r.subject_id JOIN segments g ON g.segment_id = r.segment_id
        LEFT JOIN reviews v ON v.subject_id = r.subject_id
        WHERE r.seq > $1 ${filter.project === undefined ? '' : 'AND r.project = $2'}
        ORDER BY r.seq LIMIT 1000`, params));
      if (rows.rows.length === 0) return;
      for (const r of rows.rows) {
        yield {
          recordId: r.record_id, objectId: r.object_id, keyId: r.key_id, pseudonym: r.pseudonym, project: r.project,
          collectedAt: r.collected_at, segmentKey: r.object_key, offset: Number(r.offset), length: Number(r.length), crossBorder: r.cross_border,
          binding: r.binding === 1 ? 1 : 2, subjectId: r.subject_id, status: r.status, scopes: r.scopes, review: r.review,
          withdrawnScopes: (r.withdrawn ?? []).sort(),
        };
      }
      after = rows.rows[rows.rows.length - 1]!.seq;
    }
  }

  /** The media rows of a record, in the order they were stored (inspection, beyond the Vault interface). */
  async mediaOf(recordId: string): Promise<MediaRow[]> {
    const rows = await this.run(() => this.pool.query<{ object_id: string; record_id: string; kind: string; format: string; bytes: string }>(
      'SELECT object_id, record_id, kind, format, bytes FROM media WHERE record_id = $1 ORDER BY seq', [recordId]));
    return rows.rows.map((m) => ({ objectId: m.object_id, recordId: m.record_id, kind: m.kind, format: m.format, bytes: Number(m.bytes) }));
  }

  async counts(): Promise<{ subjects: number; records: number; segments: number; identities: number }> {
    const r = await this.run(() => this.pool.query<{ subjects: string; records: string; segments: string; identities: string }>(
      `SELECT (SELECT count(*) FROM subjects) AS subjects, (SELECT count(*) FROM records) AS records,
        (SELECT count(*) FROM segments) AS segments, (SELECT count(*) FROM identities) AS identities`));
    const c = r.rows[0]!;
    return { subjects: Number(c.subjects), records: Number(c.records), segments: Number(c.segments), identities: Number(c.identities) };
  }

  async startRun(runId: string): Promise<void> {
    await this.run(async () => {
      const owner = await this.ownerSession();
      await owner.query(`SELECT pg_advisory_lock(${RUN_LOCK})`, [runId]);
      this.ownRuns.add(runId);
      await this.pool.query('INSERT INTO runs (run_id) VALUES ($1) ON CONFLICT (run_id) DO NOTHING', [runId]);
    });
  }

  async finishRun(runId: string, summary: string): Promise<void> {
    await this.run(async () => {
      await this.pool.query('UPDATE runs SET finished_at = now(), summary = $2 WHERE run_id = $1', [runId, summary]);
      if (this.ownRuns.delete(runId) && !this.ownerLost && this.owner !== undefined) {
        await this.owner.query(`SELECT pg_advisory_unlock(${RUN_LOCK})`, [runId]);
      }
    });
  }

  // --- rights state and disclosure ledger (postgres-ledger.ts) ---------------------------------

  withdrawScopes(subjectId: string, scopes: string[], at: string): Promise<void> {
    return this.run(() => this.ledger.withdrawScopes(subjectId, scopes, at));
  }

  withdrawnScopes(subjectIds: string[]): Promise<Map<string, string[]>> {
    return this.run(() => this.ledger.withdrawnScopes(subjectIds));
  }

  setReview(subjectId: string, reason: string | null, at: string): Promise<void> {
    return this.run(() => this.ledger.setReview(subjectId, reason, at));
  }

  addRecipient(r: RecipientRow): Promise<void> {
    return this.run(() => this.ledger.addRecipient(r));
  }

  recipient(name: string): Promise<RecipientRow | undefined> {
    return this.run(() => this.ledger.recipient(name));
  }

  listRecipients(): Promise<RecipientRow[]> {
    return this.run(() => this.ledger.listRecipients());
  }

  beginExport(e: { exportId: string; recipient: string; startedAt: string }): Promise<void> {
    return this.run(() => this.ledger.beginExport(e));
  }

  addDisclosures(rows: DisclosureRow[]): Promise<void> {
    return this.run(() => this.ledger.addDisclosures(rows));
  }

  finishExport(exportId: string, result: { manifestSha256: string; records: number; media: number; summary: string }): Promise<void> {
    return this.run(() => this.ledger.finishExport(exportId, result));
  }

  abortExport(exportId: string): Promise<void> {
    return this.run(() => this.ledger.abortExport(exportId));
  }

  listExports(filter: { recipient?: string }): Promise<ExportLedgerRow[]> {
    return this.run(() => this.ledger.listExports(filter));
  }

  async *disclosures(filter: { subjectId?: string; recipient?: string; exportId?: string }): AsyncIterable<DisclosureRow> {
    try {
      yield* this.ledger.disclosures(filter);
    } catch (err) {
      throw unavailable('vault', err);
    }
  }

  addDisclosedQuasi(rows: DisclosedQuasiRow[]): Promise<void> {
    return this.run(() => this.ledger.addDisclosedQuasi(rows));
  }

  async *disclosedQuasi(recipient: string): AsyncIterable<DisclosedQuasiRow> {
    try {
      yield* this.ledger.disclosedQuasi(recipient);
    } catch (err) {
      throw unavailable('vault', err);
    }
  }

  // --- erasure, retention, compaction (postgres-erasure.ts) ------------------------------------

  subject(subjectId: string): Promise<SubjectRow | undefined> {
    return this.run(() => this.erasure.subject(subjectId));
  }

  subjectByPseudonym(pseudonym: string): Promise<SubjectRow | undefined> {
    return this.run(() => this.erasure.subjectByPseudonym(pseudonym));
  }

  childrenOf(digests: { kind: string; digest: Uint8Array }[]): Promise<SubjectRow[]> {
    return this.run(() => this.erasure.childrenOf(digests));
  }

  recordsOf(subjectId: string): Promise<SubjectRecordRow[]> {
    return this.run(() => this.erasure.recordsOf(subjectId));
  }

  identitiesOf(subjectId: string): Promise<{ entry: Uint8Array; recordId: string; createdAt: string }[]> {
    return this.run(() => this.erasure.identitiesOf(subjectId));
  }

  eraseSubject(subjectId: string, erasure: { erasureId: string; at: string; reason: string; tombstone: boolean }): Promise<SubjectErasureResult> {
    return this.run(() => this.erasure.eraseSubject(subjectId, erasure));
  }

  eraseRecords(recordIds: string[], at: string): Promise<number> {
    return this.run(() => this.erasure.eraseRecords(recordIds, at));
  }

  erasedKeyIds(): Promise<string[]> {
    return this.run(() => this.erasure.erasedKeyIds());
  }

  expiredRecords(project: string, before: string): Promise<{ recordId: string; subjectId: string }[]> {
    return this.run(() => this.erasure.expiredRecords(project, before));
  }

  projects(): Promise<string[]> {
    return this.run(() => this.erasure.projects());
  }

  deadSegments(): Promise<SegmentRow[]> {
    return this.run(() => this.erasure.deadSegments());
  }

  liveRecordsIn(segmentId: string): Promise<{ recordId: string; offset: number; length: number }[]> {
    return this.run(() => this.erasure.liveRecordsIn(segmentId));
  }

  replaceSegment(old: SegmentRow, next: { segment: SegmentRow; moved: { recordId: string; offset: number; length: number }[] } | null, runId: string): Promise<void> {
    return this.run(() => this.erasure.replaceSegment(old, next, runId));
  }

  deadMedia(limit: number): Promise<string[]> {
    return this.run(() => this.erasure.deadMedia(limit));
  }

  clearDeadMedia(objectKeys: string[]): Promise<void> {
    return this.run(() => this.erasure.clearDeadMedia(objectKeys));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const owner = this.owner;
    this.owner = undefined;
    this.ownerLost = true;
    await owner?.end().catch(() => undefined);
    await this.pool.end();
  }
}
