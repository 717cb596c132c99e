/** One suite for every Vault backend: each backend's test file calls this with a factory. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ExportRow, SubjectRow, Vault, VaultBatch } from '../../src/vault/vault.js';
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

    it('withdraws subjects: their records are listed with the status the export leaves out', async () => {
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
      for await (const r of vault.listForExport({})) rows.push(`${r.recordId}:${r.status}`);
      expect(rows).toEqual(['rec-20:withdrawn', 'rec-21:active']);
      const p1 = [];
      for await (const r of vault.listForExport({ project: 'p1' })) p1.push(`${r.recordId}:${r.status}`);
      expect(p1).toEqual(['rec-20:withdrawn']);
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

    it('lists every record for export with its subject\'s status, withdrawn scopes and review flag', async () => {
      const vault = await make();
      const a = subject(20);
      const b = subject(21);
      await vault.commit(batch({
        subjects: [a, b],
        segments: [{ segmentId: 'seg1', objectKey: 'segments/seg1xxxxxxxx', records: 2, bytes: 1 }],
        records: [record(200, a.subjectId), { ...record(201, b.subjectId), scopes: 'text|voice' }],
        withdrawn: [a.subjectId],
      }));
      await vault.withdrawScopes(b.subjectId, ['voice', 'image'], '2024-01-01T00:00:00Z');
      await vault.withdrawScopes(b.subjectId, ['voice'], '2025-01-01T00:00:00Z');
      await vault.setReview(b.subjectId, 'CHILD_WITHOUT_GUARDIAN_CONSENT', '2024-01-01T00:00:00Z');
      const rows = new Map<string, ExportRow>();
      for await (const r of vault.listForExport({})) rows.set(r.recordId, r);
      expect(rows.get('rec-200')).toMatchObject({ subjectId: a.subjectId, status: 'withdrawn', withdrawnScopes: [], review: null, scopes: 'text' });
      expect(rows.get('rec-201')).toMatchObject({
        subjectId: b.subjectId, status: 'active', withdrawnScopes: ['image', 'voice'], review: 'CHILD_WITHOUT_GUARDIAN_CONSENT', scopes: 'text|voice',
      });
      expect(await vault.withdrawnScopes([a.subjectId, b.subjectId])).toEqual(new Map([[b.subjectId, ['image', 'voice']]]));
      await vault.setReview(b.subjectId, null, '2024-02-01T00:00:00Z');
      for await (const r of vault.listForExport({})) if (r.recordId === 'rec-201') expect(r.review).toBeNull();
      await vault.close();
    });

    it('registers recipients once and refuses a second with the same name', async () => {
      const vault = await make();
      const r = { name: 'acme', jurisdiction: 'CN', ageRecipient: null, createdAt: '2024-01-01T00:00:00Z' };
      await vault.addRecipient(r);
      await vault.addRecipient({ name: 'globex', jurisdiction: 'US', ageRecipient: 'age1xyz', createdAt: '2024-01-02T00:00:00Z' });
      await expect(vault.addRecipient({ ...r, jurisdiction: 'US' })).rejects.toMatchObject({ code: 'RECIPIENT_EXISTS' });
      expect(await vault.recipient('acme')).toEqual(r);
      expect(await vault.recipient('nobody')).toBeUndefined();
      expect((await vault.listRecipients()).map((x) => x.name)).toEqual(['acme', 'globex']);
      await vault.close();
    });

    it('lists disclosures of finished exports only, by subject, recipient or export, across pages', async () => {
      const vault = await make();
      const disclosure = (exportId: string, recipient: string, n: number) => ({
        exportId, recipient, subjectId: `subj${n % 3}`, recipientPseudonym: `rp-${recipient}-${n % 3}`, objectId: `o-${exportId}-${n}`,
        recordId: `rec-${n}`, project: 'proj', disclosedAt: '2024-01-01T00:00:00Z',
      });
      await vault.beginExport({ exportId: 'e1', recipient: 'acme', startedAt: '2024-01-01T00:00:00Z' });
      await vault.addDisclosures(Array.from({ length: 1_200 }, (_, n) => disclosure('e1', 'acme', n)));
      await vault.addDisclosures(Array.from({ length: 300 }, (_, n) => disclosure('e1', 'acme', 1_200 + n)));
      await vault.finishExport('e1', { manifestSha256: 'ab'.repeat(32), records: 1_500, media: 0, summary: '{"excluded":{}}' });
      await vault.beginExport({ exportId: 'e2', recipient: 'globex', startedAt: '2024-01-02T00:00:00Z' });
      await vault.addDisclosures([disclosure('e2', 'globex', 1)]);
      await vault.finishExport('e2', { manifestSha256: 'cd'.repeat(32), records: 1, media: 0, summary: '{}' });
      // Begun and never finished: a failed export; never listed, and aborting removes its rows.
      await vault.beginExport({ exportId: 'e3', recipient: 'acme', startedAt: '2024-01-03T00:00:00Z' });
      await vault.addDisclosures([disclosure('e3', 'acme', 7)]);
      const all = async (f: Parameters<Vault['disclosures']>[0]) => {
        const out = [];
        for await (const d of vault.disclosures(f)) out.push(d);
        return out;
      };
      expect((await all({})).length).toBe(1_501);
      expect((await all({ recipient: 'acme' })).map((d) => d.objectId)).toEqual(Array.from({ length: 1_500 }, (_, n) => `o-e1-${n}`));
      const subj1 = await all({ subjectId: 'subj1' });
      expect(subj1.length).toBe(501);
      expect(new Set(subj1.map((d) => `${d.recipient}:${d.recipientPseudonym}`))).toEqual(new Set(['acme:rp-acme-1', 'globex:rp-globex-1']));
      expect((await all({ exportId: 'e3' })).length).toBe(0);
      expect((await vault.listExports({})).map((e) => e.exportId)).toEqual(['e1', 'e2']);
      expect(await vault.listExports({ recipient: 'globex' })).toMatchObject([{ exportId: 'e2', records: 1, manifestSha256: 'cd'.repeat(32) }]);
      await vault.abortExport('e3');
      await expect(vault.finishExport('e3', { manifestSha256: '00', records: 0, media: 0, summary: '{}' })).rejects.toThrow();
      await expect(vault.finishExport('e1', { manifestSha256: '00', records: 0, media: 0, summary: '{}' })).rejects.toThrow();
      await vault.close();
    });

    it('keeps the disclosed quasi-identifier tuples per export and subject, of finished exports only, across pages', async () => {
      const vault = await make();
      const row = (exportId: string, recipient: string, n: number) => ({ exportId, recipient, subjectId: `subj${String(n).padStart(5, '0')}`, quasi: new Uint8Array([n % 256, 1, 2, 3]) });
      await vault.beginExport({ exportId: 'q1', recipient: 'acme', startedAt: '2024-01-01T00:00:00Z' });
      await vault.addDisclosedQuasi(Array.from({ length: 1_100 }, (_, n) => row('q1', 'acme', n)));
      await vault.finishExport('q1', { manifestSha256: 'ab'.repeat(32), records: 1_100, media: 0, summary: '{}' });
      await vault.beginExport({ exportId: 'q2', recipient: 'globex', startedAt: '2024-01-01T00:00:00Z' });
      await vault.addDisclosedQuasi([row('q2', 'globex', 1)]);
      await vault.finishExport('q2', { manifestSha256: 'ab'.repeat(32), records: 1, media: 0, summary: '{}' });
      // Begun, never finished: not listed; aborting removes its rows.
      await vault.beginExport({ exportId: 'q3', recipient: 'acme', startedAt: '2024-01-02T00:00:00Z' });
      await vault.addDisclosedQuasi([row('q3', 'acme', 5)]);
      const all = async (recipient: string) => {
        const out = [];
        for await (const d of vault.disclosedQuasi(recipient)) out.push(d);
        return out;
      };
      const acme = await all('acme');
      expect(acme.length).toBe(1_100);
      expect(new Set(acme.map((d) => d.exportId))).toEqual(new Set(['q1']));
      expect(acme.find((d) => d.subjectId === 'subj00007')?.quasi).toEqual(new Uint8Array([7, 1, 2, 3]));
      expect((await all('globex')).map((d) => d.subjectId)).toEqual(['subj00001']);
      await vault.abortExport('q3');
      await vault.beginExport({ exportId: 'q3', recipient: 'acme', startedAt: '2024-01-03T00:00:00Z' });
      await vault.finishExport('q3', { manifestSha256: 'ab'.repeat(32), records: 0, media: 0, summary: '{}' });
      expect((await all('acme')).length).toBe(1_100);
      await vault.close();
    });
  });
}
