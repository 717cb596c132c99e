/** What only the PostgreSQL vault must decide: an erasure on one host racing an ingest on another. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SunderError } from '../../src/errors.js';
import { PostgresVault } from '../../src/vault/postgres.js';
import type { VaultBatch } from '../../src/vault/vault.js';
import { freshDatabase, pgSkipReason, pgTitle } from '../servers/postgres.js';

const subjectId = '0'.repeat(31) + '1';
function batch(partial: Partial<VaultBatch>): VaultBatch {
  return { runId: 'run1', subjects: [], blindIndexes: [], identities: [], records: [], media: [], segments: [], adultSince: [], withdrawn: [], clearPending: [], ...partial };
}
function record(n: number, segmentId: string) {
  return { recordId: `rec-${n}`, subjectId, objectId: `obj${n}zzzzzzzzzzz`, project: 'proj', collectedAt: '2022-01-05T10:12:00Z', segmentId, offset: 12 + n * 14, length: 10, scopes: 'text', crossBorder: false, policyVersion: '2022-01' };
}

describe.skipIf(pgSkipReason !== undefined)(pgTitle('PostgreSQL vault: erasure across hosts'), () => {
  it('refuses a batch prepared before another host erased its subject, and keeps the erasure whole', async () => {
    const url = await freshDatabase();
    const [eraser, ingest] = [await PostgresVault.open(url), await PostgresVault.open(url)];
    try {
      await ingest.commit(batch({
        subjects: [{ subjectId, keyId: 'key1xxxxxxxxx', pseudonym: 'p_1', status: 'active', adultSince: null }],
        blindIndexes: [{ kind: 'phone', digest: randomBytes(32), subjectId }],
        segments: [{ segmentId: 'seg1', objectKey: 'segments/seg1', records: 1, bytes: 40 }],
        records: [record(1, 'seg1')],
      }));
      // The ingest host found the subject live; the other host erases it before the commit.
      await eraser.eraseSubject(subjectId, { erasureId: 'er1', at: '2023-01-01T00:00:00.000Z', reason: 'request', tombstone: true });
      const late = ingest.commit(batch({ segments: [{ segmentId: 'seg2', objectKey: 'segments/seg2', records: 1, bytes: 40 }], records: [record(2, 'seg2')] }));
      await expect(late).rejects.toSatisfy((e) => e instanceof SunderError && e.code === 'VAULT_CONFLICT');
      expect(await ingest.recordsOf(subjectId)).toEqual([]);
      expect((await ingest.existingRecords(['rec-2'])).size).toBe(0);
      expect((await ingest.subject(subjectId))?.status).toBe('erased');
    } finally {
      await eraser.close();
      await ingest.close();
    }
  });

  it('keeps a record purged for retention known, so its re-ingest is a duplicate', async () => {
    const vault = await PostgresVault.open(await freshDatabase());
    try {
      await vault.commit(batch({
        subjects: [{ subjectId, keyId: 'key1xxxxxxxxx', pseudonym: 'p_1', status: 'active', adultSince: null }],
        segments: [{ segmentId: 'seg1', objectKey: 'segments/seg1', records: 2, bytes: 60 }],
        records: [record(1, 'seg1'), record(2, 'seg1')],
      }));
      expect(await vault.eraseRecords(['rec-1', 'rec-9'], '2023-01-01T00:00:00.000Z')).toBe(1);
      expect([...(await vault.existingRecords(['rec-1', 'rec-2', 'rec-3']))].sort()).toEqual(['rec-1', 'rec-2']);
      expect((await vault.liveRecordsIn('seg1')).map((r) => r.recordId)).toEqual(['rec-2']);
      expect((await vault.deadSegments()).map((g) => g.segmentId)).toEqual(['seg1']);
    } finally {
      await vault.close();
    }
  });
});
