/**
 * Ingest and export each append one audit entry (ids and counts), and nothing personal from the
 * records reaches the log: neither the sample's own identity values nor anything the detection
 * engine recognises.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditKeyPath, loadAuditKey } from '../../src/audit/key.js';
import { AuditLog } from '../../src/audit/log.js';
import { auditDirOf } from '../../src/audit/open.js';
import { createScanner } from '../../src/detect/index.js';
import { exportDataset } from '../../src/export/export.js';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

/** Every string under `subject` in the sample input: names, ID numbers, phones, emails, guardians. */
function sampleIdentityValues(): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.length >= 4) out.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const line of readFileSync(SAMPLE_NDJSON, 'utf8').split('\n')) {
    try {
      walk((JSON.parse(line) as { subject?: unknown }).subject);
    } catch {
      // the sample has deliberately broken lines
    }
  }
  return [...out].filter((s) => !/^(male|female|other|unknown|true|false)$/i.test(s));
}

describe('audit hooks', () => {
  const dataDir = tempDir();
  const layout = layoutOf({ dataDir });
  let log: AuditLog;
  let runId: string;
  let exportId: string;

  beforeAll(async () => {
    const ingestor = await Ingestor.open({ dataDir, workers: 1 });
    try {
      runId = (await ingestor.ingestFile(SAMPLE_NDJSON).done()).runId;
    } finally {
      await ingestor.close();
    }
    exportId = (await exportDataset({ dataDir, out: join(tempDir(), 'export-out'), project: 'support-email-2024' })).exportId;
    log = await AuditLog.open(auditDirOf(dataDir), await loadAuditKey(layout.keysDir));
  });

  it('creates the audit key with the role keys, 0600', () => {
    expect(statSync(auditKeyPath(layout.keysDir)).mode & 0o777).toBe(0o600);
  });

  it('writes one entry per ingest run and per export, with ids and counts', async () => {
    const entries = await log.query();
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ seq: 1, action: 'ingest-run', actor: { role: 'ingest' }, outcome: 'ok', target: { runs: [runId] } });
    expect(entries[0]!.counts).toMatchObject({ records: 219, stored: expect.any(Number), rejected: expect.any(Number) });
    expect(entries[0]!.counts!.stored! + entries[0]!.counts!.rejected! + entries[0]!.counts!.duplicates!).toBe(219);
    expect(entries[1]).toMatchObject({ seq: 2, action: 'export', actor: { role: 'exporter' }, outcome: 'ok', target: { exports: [exportId], projects: ['support-email-2024'] } });
    expect(await log.verify()).toEqual({ ok: true, verified: 2, acknowledged: 2 });
  });

  it('holds no personal data: no sample identity value, nothing the detection engine finds', () => {
    const text = readFileSync(log.file, 'utf8');
    const values = sampleIdentityValues();
    expect(values.length).toBeGreaterThan(50);
    for (const v of values) expect(text.includes(v), 'a sample identity value is in the audit log').toBe(false);
    const findings = createScanner().scan(text);
    expect(findings.map((f) => `${f.kind}: ${text.slice(f.start, f.end)}`)).toEqual([]);
    // The engine does find these kinds of value when they are there.
    expect(createScanner().scan(`${text}\n13800138000 11010519491231002X li.wei@example.com\n`).length).toBeGreaterThanOrEqual(3);
  });

  it('records a failed run as failed, with its error code, and still reports the run\'s own error', async () => {
    const ingestor = await Ingestor.open({ dataDir, workers: 1 });
    try {
      const broken = async function* () {
        yield* [];
        throw new Error('source broke');
      };
      await expect(ingestor.ingest(broken()).done()).rejects.toThrow('source broke');
    } finally {
      await ingestor.close();
    }
    const last = (await log.query({ action: 'ingest-run' })).pop()!;
    expect(last).toMatchObject({ seq: 3, outcome: 'failed', code: 'INTERNAL', counts: { records: 0 } });
    expect((await log.verify()).ok).toBe(true);
  });

  it('refuses to start with the audit key missing beside a log that has entries, changing nothing', async () => {
    const key = readFileSync(auditKeyPath(layout.keysDir));
    const before = readFileSync(log.file);
    rmSync(auditKeyPath(layout.keysDir));
    try {
      await expect(Ingestor.open({ dataDir })).rejects.toMatchObject({ code: 'KEYS_MISSING' });
      await expect(exportDataset({ dataDir, out: join(dataDir, '..', 'export-2') })).rejects.toMatchObject({ code: 'KEYS_MISSING' });
      expect(readFileSync(log.file)).toEqual(before);
    } finally {
      writeFileSync(auditKeyPath(layout.keysDir), key, { mode: 0o600 });
    }
  });
});
