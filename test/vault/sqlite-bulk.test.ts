/**
 * The SQLite vault's batch commit inserts 64 rows per statement and the rest one by one: every
 * row must land with its own values whatever the batch size, INSERT OR IGNORE must still skip
 * exactly the duplicates, and one bad row must still roll back the whole batch.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteVault } from '../../src/vault/sqlite.js';
import type { SubjectRow, VaultBatch } from '../../src/vault/vault.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir();
let n = 0;

const subject = (i: number): SubjectRow => ({ subjectId: `s${String(i).padStart(6, '0')}`, keyId: `k${i}`, pseudonym: `p_${i}`, status: 'active', adultSince: i % 2 === 0 ? '2022-01-05' : null });
const record = (i: number, subjectId: string) => ({
  recordId: `rec-${i}`, subjectId, objectId: `obj${i}`, project: `proj${i % 3}`, collectedAt: `2022-01-${String(1 + (i % 28)).padStart(2, '0')}`,
  segmentId: 'seg1', offset: i * 10, length: 10 + i, scopes: i % 2 === 0 ? 'text' : 'text|media', crossBorder: i % 5 === 0, policyVersion: `v${i % 4}`,
});

function batch(size: number): VaultBatch {
  const subjects = Array.from({ length: size }, (_, i) => subject(i));
  const digests = subjects.map(() => randomBytes(32));
  return {
    runId: 'run1',
    subjects,
    // Each subject's digest twice (two kinds) and one exact repeat, which INSERT OR IGNORE drops.
    blindIndexes: subjects.flatMap((s, i) => [
      { kind: 'phone', digest: digests[i]!, subjectId: s.subjectId },
      { kind: 'email', digest: digests[i]!, subjectId: s.subjectId },
      ...(i % 7 === 0 ? [{ kind: 'phone' as const, digest: digests[i]!, subjectId: s.subjectId }] : []),
    ]),
    identities: subjects.map((s, i) => ({ subjectId: s.subjectId, digest: digests[i]!, entry: randomBytes(50 + i), recordId: `rec-${i}` })),
    records: subjects.map((s, i) => record(i, s.subjectId)),
    media: [],
    segments: [{ segmentId: 'seg1', objectKey: 'segments/seg1', records: size, bytes: 1 }],
    adultSince: [],
    withdrawn: [],
    clearPending: [],
  };
}

describe('SqliteVault.commit in bulk', () => {
  for (const size of [1, 63, 64, 65, 150]) {
    it(`stores every row of a ${size}-subject batch with its own values`, async () => {
      const path = `${root}/bulk-${n++}.db`;
      const vault = new SqliteVault(path);
      const b = batch(size);
      await vault.commit(b);
      await vault.close();
      const db = new Database(path, { readonly: true });
      const subjects = db.prepare('SELECT subject_id, key_id, pseudonym, status, adult_since FROM subjects ORDER BY subject_id').all();
      expect(subjects).toEqual(b.subjects.map((s) => ({ subject_id: s.subjectId, key_id: s.keyId, pseudonym: s.pseudonym, status: s.status, adult_since: s.adultSince })));
      const blind = db.prepare('SELECT kind, digest, subject_id FROM blind_index').all() as { kind: string; digest: Buffer; subject_id: string }[];
      expect(blind).toHaveLength(2 * size);
      const want = new Set(b.blindIndexes.map((x) => `${x.kind}/${Buffer.from(x.digest).toString('hex')}/${x.subjectId}`));
      expect(new Set(blind.map((x) => `${x.kind}/${x.digest.toString('hex')}/${x.subject_id}`))).toEqual(want);
      const ids = db.prepare('SELECT subject_id, digest, entry, record_id FROM identities ORDER BY subject_id').all() as { subject_id: string; digest: Buffer; entry: Buffer; record_id: string }[];
      expect(ids.map((r) => [r.subject_id, r.digest.toString('hex'), r.entry.toString('hex'), r.record_id])).toEqual(
        b.identities.map((r) => [r.subjectId, Buffer.from(r.digest).toString('hex'), Buffer.from(r.entry).toString('hex'), r.recordId]));
      const recs = db.prepare(`SELECT record_id, subject_id, object_id, project, collected_at, segment_id, offset, length, scopes, cross_border,
        policy_version, run_id FROM records ORDER BY rowid`).all();
      expect(recs).toEqual(b.records.map((r) => ({
        record_id: r.recordId, subject_id: r.subjectId, object_id: r.objectId, project: r.project, collected_at: r.collectedAt, segment_id: r.segmentId,
        offset: r.offset, length: r.length, scopes: r.scopes, cross_border: r.crossBorder ? 1 : 0, policy_version: r.policyVersion, run_id: 'run1',
      })));
      db.close();
    });
  }

  it('rolls back the whole batch when a row inside a 64-row statement fails', async () => {
    const vault = new SqliteVault(`${root}/bulk-${n++}.db`);
    const b = batch(130);
    // Record 100 repeats record 70's id: the second 64-row statement (rows 64-127) fails.
    b.records[100] = { ...b.records[100]!, recordId: b.records[70]!.recordId };
    await expect(vault.commit(b)).rejects.toThrow();
    expect(await vault.counts()).toMatchObject({ subjects: 0, records: 0, identities: 0, segments: 0 });
    await vault.close();
  });
});
