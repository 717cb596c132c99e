/**
 * The policy's detection settings: built-ins turned off and the organisation's own pattern
 * recognizers, checked when the policy is read and applied at ingest (in the sealing workers too)
 * and by `sunder scan --policy`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/export.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import type { Outcome } from '../../src/record/outcome.js';
import { loadPolicy, parsePolicy } from '../../src/record/policy.js';
import { runScan } from '../../src/cli/commands/scan.js';
import { scannerOptionsOf } from '../../src/pipeline/scrub.js';
import { Readable, Writable } from 'node:stream';
import { readJsonl } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

const POLICY = {
  detect: {
    disable: ['PLATE'],
    recognizers: [{ kind: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}', flags: 'i', score: 0.9 }],
  },
};

describe('policy: detection settings', () => {
  it('fills defaults and reads recognizers', () => {
    expect(parsePolicy({}).detect).toEqual({ disable: [], recognizers: [] });
    expect(parsePolicy(POLICY).detect.recognizers).toEqual([{ kind: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}', flags: 'i', score: 0.9 }]);
  });

  it.each([
    [{ detect: { recognizers: [{ kind: 'EMPLOYEE_ID', pattern: 'EMP-(\\d{6}' }] } }, ['detect', 'recognizers', '0', 'pattern']],
    [{ detect: { recognizers: [{ kind: 'employee id', pattern: 'x' }] } }, ['detect', 'recognizers', '0', 'kind']],
    [{ detect: { recognizers: [{ kind: 'EMP', pattern: 'x', flags: 'g' }] } }, ['detect', 'recognizers', '0', 'flags']],
    [{ detect: { recognizers: [{ kind: 'EMP', pattern: 'x', score: 2 }] } }, ['detect', 'recognizers', '0', 'score']],
    [{ detect: { recognizers: [{ kind: 'EMP', pattern: 'x', extra: 1 }] } }, ['detect', 'recognizers', '0', 'extra']],
  ])('refuses %j at its path', (input, path) => {
    expect(() => parsePolicy(input)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path }));
  });

  it('masks the policy\'s own identifiers at ingest and leaves disabled kinds alone, in workers too', async () => {
    const dataDir = tempDir();
    // 100 records: more than a batch's local share, so most are sealed in the worker thread.
    const records = Array.from({ length: 100 }, (_, i) => ({
      recordId: `pol-${i}`,
      project: 'policy-test',
      collectedAt: '2024-03-01T10:00:00+08:00',
      subject: { name: '测试员', birthDate: '1990-01-01', phone: `1380013${String(8000 + i).padStart(4, '0')}` },
      consent: { policyVersion: '2024-01', grantedAt: '2024-03-01T09:00:00+08:00', scopes: ['text'] },
      business: { text: { note: `工号emp-${String(100000 + i)}，车辆京A·12345，订单20240301${i}` } },
    }));
    const outcomes: Outcome[] = [];
    const ingestor = await Ingestor.open({ dataDir, policy: POLICY });
    try {
      await ingestor.ingest(records).done((o) => outcomes.push(o));
    } finally {
      await ingestor.close();
    }
    expect(outcomes.map((o) => o.status)).toEqual(records.map(() => 'stored'));
    for (const o of outcomes) expect(o.status === 'stored' && o.detections).toEqual({ EMPLOYEE_ID: 1 });

    const out = join(tempDir(), 'export');
    // The export re-scans under its own policy (FORMAT.md §10): the same one keeps the plate.
    await exportDataset({ dataDir, out, policy: POLICY });
    const texts = readJsonl<{ text: { note: string } }>(join(out, 'manifest.jsonl')).map((l) => l.text.note);
    expect(texts).toHaveLength(100);
    for (const t of texts) {
      expect(t).toMatch(/^工号\[EMPLOYEE_ID\]，车辆京A·12345，订单20240301\d+$/);
      expect(t).not.toMatch(/emp-\d{6}/i);
    }
  });

  it('checks the mask settings: operators by kind, no `keep`', () => {
    expect(parsePolicy({}).mask).toEqual({ default: 'tag', byKind: {}, tokenScope: 'subject' });
    expect(() => parsePolicy({ mask: { default: 'keep' } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['mask', 'default'] }));
    expect(() => parsePolicy({ mask: { byKind: { PHONE: 'keep' } } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['mask', 'byKind', 'PHONE'] }));
    expect(() => parsePolicy({ mask: { tokenScope: 'world' } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['mask', 'tokenScope'] }));
  });

  it.each(['subject', 'project'] as const)('rewrites findings with the policy\'s operators; tokens agree within the %s', async (tokenScope) => {
    const dataDir = tempDir();
    const record = (i: number, phone: string) => ({
      recordId: `tok-${i}`,
      project: 'token-test',
      collectedAt: '2024-03-01T10:00:00+08:00',
      subject: { name: '测试员', birthDate: '1990-01-01', phone },
      consent: { policyVersion: '2024-01', grantedAt: '2024-03-01T09:00:00+08:00', scopes: ['text'] },
      business: { text: { note: '朋友邮箱 friend@example.com，朋友电话 13912345678' } },
    });
    // Two records of one subject, then 68 of other subjects: all mention the same friend. Enough
    // subjects that the worker thread seals most of them (it needs the token key too).
    const records = [record(0, '13800138000'), record(1, '13800138000'), ...Array.from({ length: 68 }, (_, i) => record(i + 2, `1370013${String(7000 + i)}`))];
    const policy = { mask: { default: 'token', byKind: { PHONE: 'mask' }, tokenScope } } as const;
    const ingestor = await Ingestor.open({ dataDir, policy });
    try {
      await ingestor.ingest(records).done();
    } finally {
      await ingestor.close();
    }
    const out = join(tempDir(), 'export');
    await exportDataset({ dataDir, out });
    const notes = readJsonl<{ text: { note: string } }>(join(out, 'manifest.jsonl')).map((l) => l.text.note);
    expect(notes).toHaveLength(70);
    const tokens = notes.map((n) => {
      const m = /^朋友邮箱 \[EMAIL:([a-z2-7]{16})\]，朋友电话 139\*{4}5678$/.exec(n);
      expect(m, n).not.toBeNull();
      return m![1];
    });
    expect(tokens[0]).toBe(tokens[1]);
    // Per subject: 69 subjects, 69 different tokens for the same address. Per project: one.
    expect(new Set(tokens).size).toBe(tokenScope === 'subject' ? 69 : 1);
  });

  it('applies to sunder scan --policy (the policy file read as the CLI reads it)', async () => {
    const file = join(tempDir(), 'policy.json');
    writeFileSync(file, JSON.stringify(POLICY));
    let printed = '';
    const stdout = new Writable({ write: (c, _e, cb) => ((printed += String(c)), cb()) });
    await runScan({ json: false, mask: true, stdin: Readable.from(['工号EMP-123456，车牌京A·12345，手机13800138000']), stdout, scanner: scannerOptionsOf(await loadPolicy(file)) });
    expect(printed).toBe('工号[EMPLOYEE_ID]，车牌京A·12345，手机[PHONE]');
  });
});
