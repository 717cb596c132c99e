/** One suite for every Vault backend: each backend's test file calls this with a factory. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SubjectRow, Vault, VaultBatch } from '../../src/vault/vault.js';
import { digestKey } from '../../src/vault/vault.js';

function subject(n: number): SubjectRow {
  return { subjectId: `subj${n}xxxxxxxx`, keyId: `key${n}xxxxxxxxx`, pseudonym: `p_${n}yyyyyyyy`, status: 'active', adultSince: '2022-01-05' };
}

function batch(partial: Partial<VaultBatch>): VaultBatch {
  return { runId: 'run1', subjects: [], blindIndexes: [], identities: [], records: [], media: [], segments: [], adultSince: [], withdrawn: [], clearPending: [], ...partial };
}

function record(n: number, subjectId: string, project = 'proj') {
  return {
    recordId: `rec-${n}`, subjectId, objectId: `obj${n}zzzzzzzzzzz`, project, collectedAt: '2022-01-05T10:12:00+08:00',
    segmentId: 'seg1', offset: 8 + n * 10, length: 10, scopes: 'text', crossBorder: false, policyVersion: '2022-01',
  };
}

export function vaultConformance(name: string, make: () => Promise<Vault>): void {
  describe(`Vault conformance: ${name}`, () => {
    it('commits subjects, blind indexes, identities and records atomically, and finds them again', async () => {
      const vault = await make();
      const s = subject(1);
      const d = randomBytes(32);
      await vault.commit(batch({
        subjects: [s],
        blindIndexes: [{ kind: 'phone', digest: d, subjectId: s.subjectId }],
        identities: [{ subjectId: s.subjectId, digest: randomBytes(32), entry: randomBytes(100), recordId: 'rec-1' }],
        segments: [{ segmentId: 'seg1', objectKey: 'segments/seg1xxxxxxxx', records: 1, bytes: 100 }],
        records: [record(1, s.subjectId)],
      }));
      const found = await vault.findSubjects([{ kind: 'phone', digest: d }, { kind: 'email', digest: d }]);
      expect(found.get(digestKey('phone', d))).toEqual(s);
      expect(found.has(digestKey('email', d))).toBe(false);
      expect(await vault.existingRecords(['rec-1', 'rec-2'])).toEqual(new Set(['rec-1']));
      expect(await vault.counts()).toMatchObject({ subjects: 1, records: 1, identities: 1, segments: 1 });
      await vault.close();
    });

    it('rolls back the whole batch when one row fails', async () => {
      const vault = await make();
      const s = subject(2);
      await vault.commit(batch({ subjects: [s], segments: [{ segmentId: 'seg1', objectKey: 'segments/seg1xxxxxxxx', records: 1, bytes: 1 }], records: [record(10, s.subjectId)] }));
      const s3 = subject(3);
      // The same record id again violates the primary key: nothing of this batch may remain.
      await expect(vault.commit(batch({ subjects: [s3], records: [record(10, s3.subjectId)] }))).rejects.toThrow();
      expect(await vault.hasKeyIds([s3.keyId])).toEqual(new Set());
      await vault.close();
    });

    it('tracks pending marks until the commit that clears them', async () => {
      const vault = await make();
      await vault.addPending([{ ref: 'object:segments/a', runId: 'r' }, { ref: 'key:k1', runId: 'r' }]);
      expect((await vault.listPending()).map((p) => p.ref).sort()).toEqual(['key:k1', 'object:segments/a']);
      await vault.commit(batch({ clearPending: ['object:segments/a'] }));
      expect((await vault.listPending()).map((p) => p.ref)).toEqual(['key:k1']);
      await vault.clearPending(['key:k1']);
      expect(await vault.listPending()).toEqual([]);
      await vault.close();
    });

    it('withdraws subjects and leaves their records out of exports', async () => {
      const vault = await make();
      const a = subject(4);
      const b = subject(5);
      await vault.commit(batch({
        subjects: [a, b],
        segments: [{ segmentId: 'seg1', objectKey: 'segments/seg1xxxxxxxx', records: 2, bytes: 1 }],
        records: [record(20, a.subjectId, 'p1'), record(21, b.subjectId, 'p2')],
      }));
      // A later batch carries the withdrawal (a record whose consent was withdrawn).
      await vault.commit(batch({ withdrawn: [a.subjectId] }));
      const rows = [];
      for await (const r of vault.listForExport({})) rows.push(r.recordId);
      expect(rows).toEqual(['rec-21']);
      const p1 = [];
      for await (const r of vault.listForExport({ project: 'p1' })) p1.push(r.recordId);
      expect(p1).toEqual([]);
      const found = await vault.findSubjects([]);
      expect(found.size).toBe(0);
      await vault.close();
    });

    it('filters an export by project across pages (more rows than one page of 1,000)', async () => {
      const vault = await make();
      const a = subject(6);
      const records = Array.from({ length: 2_500 }, (_, i) => record(100 + i, a.subjectId, i % 3 === 0 ? 'p2' : 'p1'));
      await vault.commit(batch({
        subjects: [a],
        segments: [{ segmentId: 'seg1', objectKey: 'segments/seg1xxxxxxxx', records: records.length, bytes: 1 }],
        records,
      }));
      const p2: string[] = [];
      for await (const r of vault.listForExport({ project: 'p2' })) p2.push(r.recordId);
      expect(p2).toEqual(records.filter((r) => r.project === 'p2').map((r) => r.recordId));
      let all = 0;
      for await (const r of vault.listForExport({})) if (r.project === 'p1' || r.project === 'p2') all++;
      expect(all).toBe(2_500);
      await vault.close();
    });

    it('checks meta values set on first open', async () => {
      const vault = await make();
      expect(await vault.checkOrSetMeta({ k: 'v1' })).toEqual({ mismatched: [] });
      expect(await vault.checkOrSetMeta({ k: 'v1' })).toEqual({ mismatched: [] });
      expect(await vault.checkOrSetMeta({ k: 'v2' })).toEqual({ mismatched: ['k'] });
      await vault.close();
    });
  });
}
