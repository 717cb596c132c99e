/**
 * The PostgreSQL vault's erasure, retention and compaction (the `SubjectErasure` part of the
 * Vault interface), with the embedded vault's semantics (sqlite.ts is the reference). Each
 * change that SQLite makes in one transaction is one transaction here too. Listings sort text
 * in byte order (COLLATE "C"), as SQLite's BINARY collation, so both backends list alike.
 */
import type pg from 'pg';
import { SunderError } from '../errors.js';
import type { SegmentRow, SubjectErasureResult, SubjectRecordRow, SubjectRow, SubjectStatus } from './vault.js';

interface SubjectDb { subject_id: string; key_id: string; pseudonym: string; status: SubjectStatus; adult_since: string | null }
const SUBJECT_COLUMNS = 's.subject_id, s.key_id, s.pseudonym, s.status, s.adult_since';

function subjectRow(r: SubjectDb): SubjectRow {
  return { subjectId: r.subject_id, keyId: r.key_id, pseudonym: r.pseudonym, status: r.status, adultSince: r.adult_since };
}

/** Runs `fn` in one transaction on one pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw err;
  } finally {
    client.release(broken);
  }
}

export class PostgresErasure {
  constructor(private readonly pool: pg.Pool) {}

  async subject(subjectId: string): Promise<SubjectRow | undefined> {
    const r = await this.pool.query<SubjectDb>(`SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE s.subject_id = $1`, [subjectId]);
    return r.rows[0] === undefined ? undefined : subjectRow(r.rows[0]);
  }

  async subjectByPseudonym(pseudonym: string): Promise<SubjectRow | undefined> {
    const r = await this.pool.query<SubjectDb>(`SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE s.pseudonym = $1`, [pseudonym]);
    return r.rows[0] === undefined ? undefined : subjectRow(r.rows[0]);
  }

  async childrenOf(digests: { kind: string; digest: Uint8Array }[]): Promise<SubjectRow[]> {
    if (digests.length === 0) return [];
    const r = await this.pool.query<SubjectDb>(`SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE s.subject_id IN (
        SELECT g.subject_id FROM unnest($1::text[], $2::bytea[]) AS q(kind, digest) JOIN guardian_index g ON g.kind = q.kind AND g.digest = q.digest)
      ORDER BY s.subject_id COLLATE "C"`, [digests.map((d) => d.kind), digests.map((d) => Buffer.from(d.digest))]);
    return r.rows.map(subjectRow);
  }

  async recordsOf(subjectId: string): Promise<SubjectRecordRow[]> {
    const r = await this.pool.query<{ record_id: string; object_id: string; project: string; collected_at: string; segment_id: string; object_key: string; offset: string; length: string; binding: number; scopes: string }>(
      `SELECT r.record_id, r.object_id, r.project, r.collected_at, r.segment_id, g.object_key, r."offset", r.length, r.binding, r.scopes
       FROM records r JOIN segments g ON g.segment_id = r.segment_id WHERE r.subject_id = $1 ORDER BY r.seq`, [subjectId]);
    return r.rows.map((x) => ({ recordId: x.record_id, objectId: x.object_id, project: x.project, collectedAt: x.collected_at, segmentId: x.segment_id,
      segmentKey: x.object_key, offset: Number(x.offset), length: Number(x.length), binding: x.binding === 1 ? 1 : 2, scopes: x.scopes }));
  }

  async identitiesOf(subjectId: string): Promise<{ entry: Uint8Array; recordId: string; createdAt: string }[]> {
    // created_at as the ISO string the embedded vault stores (toISOString: UTC, milliseconds).
    const r = await this.pool.query<{ entry: Buffer; record_id: string; created_at: string }>(
      `SELECT entry, record_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
       FROM identities WHERE subject_id = $1 ORDER BY seq`, [subjectId]);
    return r.rows.map((x) => ({ entry: new Uint8Array(x.entry), recordId: x.record_id, createdAt: x.created_at }));
  }

  async eraseSubject(subjectId: string, erasure: { erasureId: string; at: string; reason: string; tombstone: boolean }): Promise<SubjectErasureResult> {
    return inTransaction(this.pool, async (c) => {
      // The row lock orders two erasures of one subject: the second sees the first's result.
      const sub = (await c.query<SubjectDb>(`SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE s.subject_id = $1 FOR UPDATE`, [subjectId])).rows[0];
      if (sub === undefined) throw new SunderError('SUBJECT_NOT_FOUND', 'no subject with that subject id', { path: ['subjectId'] });
      const records = (await c.query<{ record_id: string; object_id: string; project: string; collected_at: string; segment_id: string }>(
        'SELECT record_id, object_id, project, collected_at, segment_id FROM records WHERE subject_id = $1 ORDER BY seq FOR UPDATE', [subjectId])).rows;
      let tombstones = 0;
      if (erasure.tombstone) {
        tombstones = (await c.query(`INSERT INTO tombstones (kind, digest, subject_id, erased_at) SELECT kind, digest, subject_id, $1 FROM blind_index WHERE subject_id = $2
          ON CONFLICT (kind, digest) DO UPDATE SET subject_id = excluded.subject_id, erased_at = excluded.erased_at`, [erasure.at, subjectId])).rowCount ?? 0;
      }
      const media = await killRecords(c, records.map((r) => r.record_id), erasure.at);
      const blindIndexes = (await c.query('DELETE FROM blind_index WHERE subject_id = $1', [subjectId])).rowCount ?? 0;
      await c.query('DELETE FROM guardian_index WHERE subject_id = $1', [subjectId]);
      const identities = (await c.query('DELETE FROM identities WHERE subject_id = $1', [subjectId])).rowCount ?? 0;
      await c.query('DELETE FROM withdrawals WHERE subject_id = $1', [subjectId]);
      await c.query('DELETE FROM reviews WHERE subject_id = $1', [subjectId]);
      await c.query("UPDATE subjects SET status = 'erased', adult_since = NULL, updated_at = $1::timestamptz WHERE subject_id = $2", [erasure.at, subjectId]);
      await c.query('INSERT INTO erasures (erasure_id, subject_id, key_id, erased_at, reason) VALUES ($1, $2, $3, $4, $5)',
        [erasure.erasureId, subjectId, sub.key_id, erasure.at, erasure.reason]);
      return {
        subjectId, keyId: sub.key_id, pseudonym: sub.pseudonym, media, identities, blindIndexes, tombstones,
        records: records.map((r) => ({ recordId: r.record_id, objectId: r.object_id, project: r.project, collectedAt: r.collected_at, segmentId: r.segment_id })),
      };
    });
  }

  async eraseRecords(recordIds: string[], at: string): Promise<number> {
    if (recordIds.length === 0) return 0;
    return inTransaction(this.pool, async (c) => {
      const live = (await c.query<{ record_id: string }>('SELECT record_id FROM records WHERE record_id = ANY($1::text[]) FOR UPDATE', [recordIds])).rows.map((r) => r.record_id);
      await killRecords(c, live, at);
      if (live.length > 0) {
        await c.query('INSERT INTO purged_records (record_id, purged_at) SELECT id, $2 FROM unnest($1::text[]) AS id ON CONFLICT (record_id) DO NOTHING', [live, at]);
      }
      return live.length;
    });
  }

  async erasedKeyIds(): Promise<string[]> {
    return (await this.pool.query<{ key_id: string }>('SELECT DISTINCT key_id FROM erasures')).rows.map((r) => r.key_id);
  }

  async expiredRecords(project: string, before: string): Promise<{ recordId: string; subjectId: string }[]> {
    const r = await this.pool.query<{ record_id: string; subject_id: string }>(
      'SELECT record_id, subject_id FROM records WHERE project = $1 AND collected_at COLLATE "C" < $2::text COLLATE "C" ORDER BY seq', [project, before]);
    return r.rows.map((x) => ({ recordId: x.record_id, subjectId: x.subject_id }));
  }

  async projects(): Promise<string[]> {
    return (await this.pool.query<{ project: string }>('SELECT DISTINCT project COLLATE "C" AS project FROM records ORDER BY 1')).rows.map((r) => r.project);
  }

  async deadSegments(): Promise<SegmentRow[]> {
    const r = await this.pool.query<{ segment_id: string; object_key: string; records: number; bytes: string }>(
      `SELECT g.segment_id, g.object_key, g.records, g.bytes FROM segments g
       WHERE g.segment_id IN (SELECT segment_id FROM dead_ranges) ORDER BY g.segment_id COLLATE "C"`);
    return r.rows.map((g) => ({ segmentId: g.segment_id, objectKey: g.object_key, records: g.records, bytes: Number(g.bytes) }));
  }

  async liveRecordsIn(segmentId: string): Promise<{ recordId: string; offset: number; length: number }[]> {
    const r = await this.pool.query<{ record_id: string; offset: string; length: string }>(
      'SELECT record_id, "offset", length FROM records WHERE segment_id = $1 ORDER BY "offset"', [segmentId]);
    return r.rows.map((x) => ({ recordId: x.record_id, offset: Number(x.offset), length: Number(x.length) }));
  }

  async replaceSegment(old: SegmentRow, next: { segment: SegmentRow; moved: { recordId: string; offset: number; length: number }[] } | null, runId: string): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      if (next !== null) {
        const g = next.segment;
        await c.query('INSERT INTO segments (segment_id, object_key, records, bytes) VALUES ($1, $2, $3, $4)', [g.segmentId, g.objectKey, g.records, g.bytes]);
        const m = next.moved;
        if (m.length > 0) {
          await c.query(`UPDATE records r SET segment_id = $1, "offset" = u.off, length = u.len
            FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS u(id, off, len) WHERE r.record_id = u.id AND r.segment_id = $5`,
          [g.segmentId, m.map((x) => x.recordId), m.map((x) => x.offset), m.map((x) => x.length), old.segmentId]);
        }
        await c.query('DELETE FROM pending WHERE ref = $1', [`object:${g.objectKey}`]);
      }
      const left = (await c.query<{ n: string }>('SELECT count(*) AS n FROM records WHERE segment_id = $1', [old.segmentId])).rows[0]!.n;
      if (Number(left) > 0) throw new SunderError('INTERNAL', 'a compacted segment still holds live records that were not moved');
      await c.query('DELETE FROM dead_ranges WHERE segment_id = $1', [old.segmentId]);
      await c.query('DELETE FROM segments WHERE segment_id = $1', [old.segmentId]);
      await c.query('INSERT INTO pending (ref, run_id) VALUES ($1, $2) ON CONFLICT (ref) DO NOTHING', [`object:${old.objectKey}`, runId]);
    });
  }

  async deadMedia(limit: number): Promise<string[]> {
    return (await this.pool.query<{ object_key: string }>('SELECT object_key FROM dead_media ORDER BY object_key COLLATE "C" LIMIT $1', [limit])).rows.map((r) => r.object_key);
  }

  async clearDeadMedia(objectKeys: string[]): Promise<void> {
    if (objectKeys.length === 0) return;
    await this.pool.query('DELETE FROM dead_media WHERE object_key = ANY($1::text[])', [objectKeys]);
  }
}

/** Deletes the records and their media rows, listing their byte ranges and media objects as dead; returns the media count. */
async function killRecords(c: pg.PoolClient, recordIds: string[], at: string): Promise<number> {
  if (recordIds.length === 0) return 0;
  await c.query(`INSERT INTO dead_ranges (segment_id, "offset", length, dead_at) SELECT segment_id, "offset", length, $2 FROM records
    WHERE record_id = ANY($1::text[]) ON CONFLICT (segment_id, "offset") DO NOTHING`, [recordIds, at]);
  const media = (await c.query<{ object_id: string }>('DELETE FROM media WHERE record_id = ANY($1::text[]) RETURNING object_id', [recordIds])).rows;
  if (media.length > 0) {
    await c.query("INSERT INTO dead_media (object_key, dead_at) SELECT 'media/' || id, $2 FROM unnest($1::text[]) AS id ON CONFLICT (object_key) DO NOTHING",
      [media.map((m) => m.object_id), at]);
  }
  await c.query('DELETE FROM records WHERE record_id = ANY($1::text[])', [recordIds]);
  return media.length;
}
