/** The erasure part of the Vault contract (SubjectErasure), for every backend: each backend's test file calls it. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SubjectRow, Vault, VaultBatch } from '../../src/vault/vault.js';
import { digestKey } from '../../src/vault/vault.js';

const hex = (n: number) => n.toString(16).padStart(32, '0');
function subject(n: number): SubjectRow {
  return { subjectId: hex(n), keyId: `key${n}xxxxxxxxx`, pseudonym: `p_${String(n).padStart(22, 'y')}`, status: 'active', adultSince: '2022-01-05' };
}
function batch(partial: Partial<VaultBatch>): VaultBatch {
  return { runId: 'run1', subjects: [], blindIndexes: [], identities: [], records: [], media: [], segments: [], adultSince: [], withdrawn: [], clearPending: [], ...partial };
}
function record(n: number, subjectId: string, segmentId: string, collectedAt = '2022-01-05T10:12:00Z', project = 'proj') {
  return { recordId: `rec-${n}`, subjectId, objectId: `obj${n}zzzzzzzzzzz`, project, collectedAt, segmentId, offset: 12 + n * 14, length: 10, scopes: 'text', crossBorder: false, policyVersion: '2022-01' };
}

export function erasureConformance(name: string, make: () => Promise<Vault>): void {
  describe(`Vault erasure conformance: ${name}`, () => {
    /** Subjects 1 (two records, a media file, a guardian) and 2 (one record), in one segment. */
    async function seeded() {
      const vault = await make();
      const [a, b] = [subject(1), subject(2)];
      const phoneA = randomBytes(32);
      const idA = randomBytes(32);
      const phoneB = randomBytes(32);
      const guardian = randomBytes(32);
      await vault.commit(batch({
        subjects: [a, b],
        blindIndexes: [{ kind: 'phone', digest: phoneA, subjectId: a.subjectId }, { kind: 'cn_id', digest: idA, subjectId: a.subjectId }, { kind: 'phone', digest: phoneB, subjectId: b.subjectId }],
        guardianIndexes: [{ kind: 'phone', digest: guardian, subjectId: a.subjectId }, { kind: 'phone', digest: guardian, subjectId: b.subjectId }, { kind: 'phone', digest: guardian, subjectId: a.subjectId }],
        identities: [{ subjectId: a.subjectId, digest: randomBytes(32), entry: randomBytes(100), recordId: 'rec-1' }],
        segments: [{ segmentId: 'seg1', objectKey: 'segments/seg1xxxxxxxx', records: 3, bytes: 60 }],
        records: [record(1, a.subjectId, 'seg1', '2020-01-01T00:00:00Z'), record(2, a.subjectId, 'seg1'), record(3, b.subjectId, 'seg1', '2020-01-01T00:00:00Z')],
        media: [{ objectId: 'med1xxxxxxxxxxxx', recordId: 'rec-1', kind: 'audio', format: 'wav', bytes: 100 }],
      }));
      return { vault, a, b, phoneA, idA, phoneB, guardian };
    }

    it('looks subjects up by id, pseudonym and guardian; lists their records', async () => {
      const { vault, a, b, guardian } = await seeded();
      expect(await vault.subject(a.subjectId)).toEqual(a);
      expect(await vault.subject(hex(99))).toBeUndefined();
      expect(await vault.subjectByPseudonym(b.pseudonym)).toEqual(b);
      expect((await vault.childrenOf([{ kind: 'phone', digest: guardian }])).map((s) => s.subjectId)).toEqual([a.subjectId, b.subjectId]);
      expect(await vault.childrenOf([{ kind: 'cn_id', digest: guardian }])).toEqual([]);
      expect((await vault.recordsOf(a.subjectId)).map((r) => r.recordId)).toEqual(['rec-1', 'rec-2']);
      expect(await vault.projects()).toEqual(['proj']);
      await vault.close();
    });

    it('erases a subject in one step: tombstones found as erased, records dead, key id listed', async () => {
      const { vault, a, b, phoneA, idA, phoneB, guardian } = await seeded();
      const r = await vault.eraseSubject(a.subjectId, { erasureId: 'R-1', at: '2024-05-01T00:00:00.000Z', reason: 'erase', tombstone: true });
      expect(r).toMatchObject({ subjectId: a.subjectId, keyId: a.keyId, media: 1, identities: 1, blindIndexes: 2, tombstones: 2 });
      expect(r.records.map((x) => x.recordId)).toEqual(['rec-1', 'rec-2']);
      const found = await vault.findSubjects([{ kind: 'phone', digest: phoneA }, { kind: 'cn_id', digest: idA }, { kind: 'phone', digest: phoneB }]);
      expect(found.get(digestKey('phone', phoneA))).toMatchObject({ subjectId: a.subjectId, status: 'erased', erasedAt: '2024-05-01T00:00:00.000Z' });
      expect(found.get(digestKey('cn_id', idA))?.status).toBe('erased');
      expect(found.get(digestKey('phone', phoneB))).toEqual(b);
      expect((await vault.subject(a.subjectId))?.status).toBe('erased');
      expect(await vault.recordsOf(a.subjectId)).toEqual([]);
      expect((await vault.childrenOf([{ kind: 'phone', digest: guardian }])).map((s) => s.subjectId)).toEqual([b.subjectId]);
      expect(await vault.erasedKeyIds()).toEqual([a.keyId]);
      expect(await vault.existingRecords(['rec-1', 'rec-3'])).toEqual(new Set(['rec-3']));
      expect(await vault.counts()).toMatchObject({ subjects: 2, records: 1, identities: 0 });
      expect(await vault.deadMedia(10)).toEqual(['media/med1xxxxxxxxxxxx']);
      expect((await vault.deadSegments()).map((s) => s.segmentId)).toEqual(['seg1']);
      const exported = [];
      for await (const row of vault.listForExport({})) exported.push(row.recordId);
      expect(exported).toEqual(['rec-3']);
      await expect(vault.eraseSubject(hex(98), { erasureId: 'R-2', at: '2024-05-01T00:00:00.000Z', reason: 'erase', tombstone: true })).rejects.toMatchObject({ code: 'SUBJECT_NOT_FOUND' });
      await vault.close();
    });

    it('purges records by retention: expired listed, dead, their ids kept as existing', async () => {
      const { vault, b } = await seeded();
      expect(await vault.expiredRecords('proj', '2021-01-01T00:00:00Z')).toEqual([
        { recordId: 'rec-1', subjectId: subject(1).subjectId }, { recordId: 'rec-3', subjectId: b.subjectId },
      ]);
      expect(await vault.expiredRecords('other', '2030-01-01T00:00:00Z')).toEqual([]);
      expect(await vault.eraseRecords(['rec-1', 'rec-404'], '2024-05-01T00:00:00.000Z')).toBe(1);
      expect(await vault.existingRecords(['rec-1', 'rec-404'])).toEqual(new Set(['rec-1']));
      expect((await vault.recordsOf(subject(1).subjectId)).map((r) => r.recordId)).toEqual(['rec-2']);
      expect(await vault.deadMedia(10)).toEqual(['media/med1xxxxxxxxxxxx']);
      await vault.clearDeadMedia(['media/med1xxxxxxxxxxxx']);
      expect(await vault.deadMedia(10)).toEqual([]);
      await vault.close();
    });

    it('swaps a compacted segment in and marks the old object pending', async () => {
      const { vault, a } = await seeded();
      await vault.eraseSubject(a.subjectId, { erasureId: 'R-1', at: '2024-05-01T00:00:00.000Z', reason: 'erase', tombstone: true });
      const [old] = await vault.deadSegments();
      expect(await vault.liveRecordsIn(old!.segmentId)).toEqual([{ recordId: 'rec-3', offset: 12 + 3 * 14, length: 10 }]);
      // Not moving a live record is refused, and changes nothing.
      await expect(vault.replaceSegment(old!, null, 'c1')).rejects.toThrow();
      expect(await vault.deadSegments()).toHaveLength(1);
      await vault.addPending([{ ref: 'object:segments/seg2xxxxxxxx', runId: 'c1' }]);
      await vault.replaceSegment(old!, { segment: { segmentId: 'seg2', objectKey: 'segments/seg2xxxxxxxx', records: 1, bytes: 22 }, moved: [{ recordId: 'rec-3', offset: 12, length: 10 }] }, 'c1');
      expect(await vault.deadSegments()).toEqual([]);
      expect(await vault.liveRecordsIn('seg2')).toEqual([{ recordId: 'rec-3', offset: 12, length: 10 }]);
      expect((await vault.listPending()).map((p) => p.ref)).toEqual(['object:segments/seg1xxxxxxxx']);
      const rows = [];
      for await (const row of vault.listForExport({})) rows.push([row.recordId, row.segmentKey, row.offset]);
      expect(rows).toEqual([['rec-3', 'segments/seg2xxxxxxxx', 12]]);
      await vault.close();
    });
  });
}
