/**
 * Every field that leaves is scanned: numbers, keys, the project name and the record id, not only
 * the text values. Run through the real ingest (SQLite vault, files) and the real export.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/export.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { RecordIdGuard } from '../../src/detect/record-id.js';
import { Scrubber } from '../../src/pipeline/scrub.js';
import type { Outcome, RejectedOutcome } from '../../src/record/outcome.js';
import type { CollectedRecordInput } from '../../src/record/schema.js';
import { filesBelow, findValuesInFiles } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

const SUBJECT = { name: '张晓峰', idNumber: '11010519491231002X', phone: '13912345678', email: 'zhang.xiaofeng@example.com' };
const THIRD_PARTY_PHONE = '13700001111';

function rec(recordId: string, over: Partial<CollectedRecordInput> = {}, business: CollectedRecordInput['business'] = { text: { note: 'ok' } }): Record<string, unknown> {
  return {
    recordId,
    project: 'doors',
    collectedAt: '2024-05-01T08:00:00Z',
    subject: { ...SUBJECT },
    consent: { policyVersion: 'v1', grantedAt: '2024-04-01T00:00:00Z', scopes: ['text'] },
    business,
    ...over,
  };
}

const RECORDS = [
  rec('numbers', {}, { attributes: { own: 13912345678, other: 13700001111, age: 34, score: 98.5, ok: true, none: null, label: '张晓峰的问卷' }, text: { note: 'fine' } }),
  rec('text-key', {}, { text: { [THIRD_PARTY_PHONE]: 'call back' } }),
  rec('attr-key-own-name', {}, { attributes: { xiaofeng_score: 3 } }),
  rec('attr-key-email', {}, { attributes: { 'zhang.xiaofeng@example.com': 1 } }),
  rec('project-phone', { project: `proj-${THIRD_PARTY_PHONE}` }),
  rec('project-own-name', { project: 'zhangxiaofeng-study' }),
  rec(SUBJECT.phone),
  rec(`r-${THIRD_PARTY_PHONE}`),
  rec('zhang.xiaofeng-0001'),
  rec('rec-000001'),
  rec('version', { consent: { policyVersion: `v1-${THIRD_PARTY_PHONE}`, grantedAt: '2024-04-01T00:00:00Z', scopes: ['text'] } }),
  // Rejected by the schema (unknown field) and by the gate (no consent): the id is hashed all the same.
  { ...rec('13700002222'), extra: 1 },
  { ...rec('13700003333'), consent: undefined },
];
const PERSONAL = [SUBJECT.phone, THIRD_PARTY_PHONE, '13700002222', '13700003333', 'xiaofeng', 'zhangxiaofeng'];

describe('side doors', () => {
  const dataDir = tempDir();
  const out = join(tempDir(), 'export');
  const first: Outcome[] = [];
  const second: Outcome[] = [];
  let manifest: { attributes: Record<string, unknown>; text: Record<string, string>; project: string }[] = [];

  beforeAll(async () => {
    const ingestor = await Ingestor.open({ dataDir });
    try {
      await ingestor.ingest(RECORDS).done((o) => first.push(o));
      await ingestor.ingest(RECORDS).done((o) => second.push(o));
    } finally {
      await ingestor.close();
    }
    await exportDataset({ dataDir, out });
    manifest = readFileSync(join(out, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as (typeof manifest)[number]);
  });

  const byIndex = (i: number) => first[i]!;

  it('scans numbers as their digits: a phone stored as a number is masked, other numbers stay numbers', () => {
    expect(byIndex(0).status).toBe('stored');
    const line = manifest.find((l) => 'age' in l.attributes)!;
    expect(line.attributes).toEqual({ own: '[PHONE]', other: '[PHONE]', age: 34, score: 98.5, ok: true, none: null, label: '[NAME]的问卷' });
  });

  it.each([
    [1, 'business.text'],
    [2, 'business.attributes'],
    [3, 'business.attributes'],
    [4, 'project'],
    [5, 'project'],
    [10, 'consent.policyVersion'],
  ])('refuses record %i whose %s name holds an identifier, naming the field and not the value', (i, path) => {
    const o = byIndex(i) as RejectedOutcome;
    expect(o.status).toBe('rejected');
    expect(o.code).toBe('IDENTIFIER_IN_NAME');
    expect(o.path).toBe(path);
    for (const v of PERSONAL) expect(JSON.stringify(o)).not.toContain(v);
  });

  it('replaces a personal-looking record id by a keyed hash, the same in every run', () => {
    for (const i of [6, 7, 8, 11, 12]) {
      expect(byIndex(i).recordId).toMatch(/^rid-[A-Za-z0-9_-]{22}$/);
      expect(second[i]!.recordId).toBe(byIndex(i).recordId);
    }
    expect(new Set([6, 7, 8, 11, 12].map((i) => byIndex(i).recordId)).size).toBe(5);
    // Stored ones are recognised as duplicates on the second run.
    for (const i of [6, 7, 8]) expect([byIndex(i).status, second[i]!.status]).toEqual(['stored', 'duplicate']);
    expect([byIndex(11).status, byIndex(12).status]).toEqual(['rejected', 'rejected']);
    expect(byIndex(9).recordId).toBe('rec-000001');
    expect(byIndex(0).recordId).toBe('numbers');
  });

  it('leaves none of it in the vault, the run logs or the export', () => {
    const files = [...filesBelow(dataDir), ...filesBelow(out)];
    expect(files.some((f) => f.endsWith('outcomes.ndjson'))).toBe(true);
    expect(findValuesInFiles(files, PERSONAL)).toEqual([]);
    // The check can fail: the outcomes name the non-personal ids in clear.
    expect(findValuesInFiles(files, ['rec-000001']).length).toBeGreaterThan(0);
  });
});

describe('Scrubber.scrubValue', () => {
  it('scrubs strings and numbers at every depth', () => {
    const s = new Scrubber();
    const counts: Record<string, number> = {};
    const v = s.scrubValue({ a: [13912345678, 'x 13912345678', 7], b: { c: 'mail zhang@example.com', d: false } }, undefined, counts, '');
    expect(v).toEqual({ a: ['[PHONE]', 'x [PHONE]', 7], b: { c: 'mail [EMAIL]', d: false } });
    expect(counts).toEqual({ PHONE: 2, EMAIL: 1 });
    expect(s.checkKeys({ ok: { '13912345678': 1 } }, 'business.attributes', undefined)).toMatchObject({ code: 'IDENTIFIER_IN_NAME', path: 'business.attributes.ok' });
    expect(s.checkKeys({ ok: { fine: 1 } }, 'business.attributes', undefined)).toBeUndefined();
  });
});

describe('RecordIdGuard', () => {
  const key = new Uint8Array(32).fill(9);
  const guard = new RecordIdGuard(key);
  const own = [{ kind: 'NAME', value: '张晓峰' }, { kind: 'PHONE', value: '13912345678' }, { kind: 'EMAIL', value: 'zx.feng@example.com' }];

  it('keeps ordinary ids and hashes ids holding a finding or the subject\'s own values', () => {
    for (const id of ['rec-000001', 'r1', 'mandarin-speech-2022:0042']) expect(guard.shown(id, own)).toBe(id);
    for (const id of ['13700001111', 'ip-192.168.1.20', 'xiaofeng-7', 'rec-12345678', 'zx.feng-1', 'Mr.Zhang-2']) expect(guard.shown(id, own), id).toMatch(/^rid-/);
  });

  it('hashes under a key of its own: stable for one key, different under another', () => {
    expect(guard.shown('13700001111')).toBe(new RecordIdGuard(key).shown('13700001111'));
    expect(guard.shown('13700001111')).not.toBe(new RecordIdGuard(new Uint8Array(32).fill(8)).shown('13700001111'));
  });
});
