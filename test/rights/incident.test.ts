/**
 * `sunder incident affected`: on a real ingest of the sample collection, with disclosure-ledger
 * rows written through the Vault interface (as an export records them), each way of naming the
 * exposure finds exactly the subjects it touched; the notification list (0600) names each one's
 * channel as the sample input says (a child's guardian, else email, else phone); the terminal
 * and the audit entry hold counts only, none of the sample's identity values; bad input changes
 * nothing but the audit log's one `failed` entry.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { openAuditLog } from '../../src/audit/open.js';
import { registerIncident } from '../../src/cli/commands/incident.js';
import { isSunderError } from '../../src/errors.js';
import { normalizeEmail, normalizePhone } from '../../src/id/normalize.js';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { createMediaStep } from '../../src/pipeline/media-step.js';
import { incidentAffected, type Notification } from '../../src/rights/incident.js';
import { SqliteVault } from '../../src/vault/sqlite.js';
import type { ExportRow } from '../../src/vault/vault.js';
import { identityValues, SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

interface SampleRecord {
  recordId: string;
  collectedAt: string;
  subject: { birthDate?: string; phone?: string; email?: string; guardian?: { phone?: string; email?: string } };
}

const dataDir = join(tempDir('sunder-incident-'), 'data');
const layout = layoutOf({ dataDir });
const work = tempDir('sunder-incident-work-');
let rows: ExportRow[] = [];
const sample = new Map<string, SampleRecord>();
let outN = 0;
const outFile = () => join(work, `notify-${++outN}.jsonl`);
const readList = (file: string) => readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Notification);

/**
 * What the sample input says of the subject of these records: whether it is a child (a
 * guardian, under 14 at every collection), and every email and phone of the person to write to.
 */
function expectedContact(recordIds: string[]): { via: string; emails: Set<string>; phones: Set<string> } {
  const records = recordIds.map((id) => sample.get(id)!);
  const ageAt = (r: SampleRecord) => (r.subject.birthDate === undefined ? undefined : (Date.parse(r.collectedAt) - Date.parse(r.subject.birthDate)) / (365.2425 * 86400e3));
  const child = records.some((r) => r.subject.guardian !== undefined) && !records.some((r) => (ageAt(r) ?? 0) >= 14);
  const people = records.flatMap((r) => (child ? (r.subject.guardian === undefined ? [] : [r.subject.guardian]) : [r.subject]));
  const emails = new Set(people.flatMap((p) => (p.email === undefined || normalizeEmail(p.email) === undefined ? [] : [normalizeEmail(p.email)!])));
  const phones = new Set(people.flatMap((p) => (p.phone === undefined || normalizePhone(p.phone) === undefined ? [] : [normalizePhone(p.phone)!.replace(/\D/g, '').slice(-11)])));
  return { via: child ? 'guardian' : 'subject', emails, phones };
}

/** A fake exposed export folder and its finished ledger rows: `records` disclosed to `recipient`. */
async function ledgerExport(name: string, records: ExportRow[], recipient = 'acme-corp') {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const exportId = createHash('sha256').update(name).digest('hex').slice(0, 16);
  const manifest = records.map((r) => JSON.stringify({ id: `o-${name}-${r.recordId}` })).join('\n') + '\n';
  writeFileSync(join(dir, 'manifest.jsonl'), manifest);
  writeFileSync(join(dir, 'export.json'), JSON.stringify({ exportId }));
  const vault = new SqliteVault(layout.vault);
  try {
    if ((await vault.recipient(recipient)) === undefined) await vault.addRecipient({ name: recipient, jurisdiction: 'CN', ageRecipient: null, createdAt: new Date().toISOString() });
    await vault.beginExport({ exportId, recipient, startedAt: new Date().toISOString() });
    await vault.addDisclosures(records.map((r) => ({
      exportId, recipient, subjectId: r.subjectId, recipientPseudonym: `rp-${name}-${r.subjectId.slice(0, 8)}`, objectId: `o-${name}-${r.recordId}`,
      recordId: r.recordId, project: r.project, disclosedAt: new Date().toISOString(),
    })));
    await vault.finishExport(exportId, { manifestSha256: createHash('sha256').update(manifest).digest('hex'), records: records.length, media: 0, summary: '{}' });
  } finally {
    await vault.close();
  }
  return { dir, exportId };
}

beforeAll(async () => {
  const ingestor = await Ingestor.open({ dataDir, media: createMediaStep });
  await ingestor.ingestFile(SAMPLE_NDJSON).done();
  await ingestor.close();
  for (const line of readFileSync(SAMPLE_NDJSON, 'utf8').split('\n')) {
    try {
      const r = JSON.parse(line) as SampleRecord;
      if (typeof r.recordId === 'string') sample.set(r.recordId, r);
    } catch {
      // the sample's deliberately malformed lines
    }
  }
  const vault = new SqliteVault(layout.vault);
  for await (const r of vault.listForExport({})) rows.push(r);
  await vault.close();
  rows = rows.filter((r) => sample.has(r.recordId));
}, 120_000);

const subjectsOf = (rs: ExportRow[]) => new Set(rs.map((r) => r.subjectId));

function checkList(list: Notification[], rs: ExportRow[]) {
  expect(new Set(list.map((n) => n.subjectId))).toEqual(subjectsOf(rs));
  expect(list).toHaveLength(subjectsOf(rs).size);
  for (const n of list) {
    const mine = rs.filter((r) => r.subjectId === n.subjectId);
    expect(n.projects).toEqual([...new Set(mine.map((r) => r.project))].sort());
    expect(n.kinds).toContain('record');
    const want = expectedContact(rows.filter((r) => r.subjectId === n.subjectId).map((r) => r.recordId));
    expect(n.via, n.subjectId).toBe(want.via);
    // The channel is one of the right person's own: an email when any is on record.
    if (n.channel === 'email') expect(want.emails.has(n.to!)).toBe(true);
    if (n.channel === 'phone') {
      expect(want.emails.size).toBe(0);
      expect(want.phones.has(n.to!.replace(/\D/g, '').slice(-11))).toBe(true);
    }
    if (n.channel === 'none') expect(want.emails.size + want.phones.size).toBe(0);
  }
}

async function lastAuditEntry() {
  const log = await openAuditLog(layout, { create: false });
  const all = await log.query({ action: 'incident' });
  return { entry: all[all.length - 1]!, count: all.length, verified: (await log.verify()).ok };
}

describe('incident affected', () => {
  it('--export DIR: exactly the subjects the ledger says it disclosed, each with the channel the input implies', async () => {
    const disclosed = rows.filter((_, i) => i % 3 === 0);
    const { dir, exportId } = await ledgerExport('leak-1', disclosed);
    await ledgerExport('other', rows.filter((_, i) => i % 3 === 1), 'beta-labs');
    const out = outFile();
    const report = await incidentAffected({ dataDir, scope: { export: dir }, out, operator: 'officer-7' });
    expect(report).toMatchObject({ scope: 'export', exportId, subjects: subjectsOf(disclosed).size, records: disclosed.length });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const list = readList(out);
    checkList(list, disclosed);
    const c = report.channels;
    expect(c.email + c.phone + c.guardian + c.none).toBe(report.subjects);
    expect(c.guardian).toBe(list.filter((n) => n.via === 'guardian' && n.channel !== 'none').length);
    expect(c.guardian).toBeGreaterThan(0); // the sample has children
    expect(c.phone).toBeGreaterThan(0);
    for (const [p, v] of Object.entries(report.byProject)) {
      expect(v.records).toBe(disclosed.filter((r) => r.project === p).length);
      expect(v.subjects).toBe(subjectsOf(disclosed.filter((r) => r.project === p)).size);
    }
    // A copy that lost export.json is found by its manifest's hash.
    renameSync(join(dir, 'export.json'), join(dir, 'export.json.gone'));
    expect((await incidentAffected({ dataDir, scope: { export: dir }, out: outFile() })).exportId).toBe(exportId);

    const { entry, verified } = await lastAuditEntry();
    expect(verified).toBe(true);
    expect(entry).toMatchObject({ action: 'incident', outcome: 'ok', actor: { role: 'officer' }, target: { exports: [exportId], recipients: ['acme-corp'] }, counts: { subjects: report.subjects, records: report.records } });
  });

  it('--objects FILE: recipient-scoped ids from the ledger and vault object ids; unknown ids counted', async () => {
    const { } = await ledgerExport('leak-2', rows.slice(0, 10));
    const viaLedger = rows.slice(0, 3);
    const viaVault = rows.slice(20, 22);
    const file = join(work, 'objects.txt');
    writeFileSync(file, ['# leaked on a forum', ...viaLedger.map((r) => `o-leak-2-${r.recordId}`), '', ...viaVault.map((r) => r.objectId), 'no-such-object'].join('\n') + '\n');
    const out = outFile();
    const report = await incidentAffected({ dataDir, scope: { objects: file }, out });
    expect(report).toMatchObject({ scope: 'objects', unknownObjects: 1, records: 5 });
    checkList(readList(out), [...viaLedger, ...viaVault]);
  });

  it('--since/--until [--project]: the records stored in the period', async () => {
    const all = await incidentAffected({ dataDir, scope: { since: '2000-01-01', until: '2100-01-01' }, out: outFile() });
    expect(all.subjects).toBe(subjectsOf(rows).size);
    const project = rows[0]!.project;
    const out = outFile();
    const one = await incidentAffected({ dataDir, scope: { since: '2000-01-01', until: '2100-01-01', project }, out });
    checkList(readList(out), rows.filter((r) => r.project === project));
    expect(Object.keys(one.byProject)).toEqual([project]);
    expect((await incidentAffected({ dataDir, scope: { since: '2000-01-01', until: '2001-01-01' }, out: outFile() })).subjects).toBe(0);
  });

  it('prints counts only, never an identity value; the built CLI exits 0, and 2 for bad usage', async () => {
    const { dir } = await ledgerExport('leak-3', rows.slice(5, 40));
    const program = new Command('sunder').option('--data <dir>').option('--keys <dir>').exitOverride();
    registerIncident(program);
    let stdout = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
    try {
      await program.parseAsync(['--data', dataDir, 'incident', 'affected', '--export', dir, '--out', outFile()], { from: 'user' });
      await program.parseAsync(['--data', dataDir, 'incident', 'affected', '--export', dir, '--out', outFile(), '--json'], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    expect(stdout).toMatch(/subjects affected/);
    const { entry } = await lastAuditEntry();
    const audited = JSON.stringify(entry);
    for (const v of identityValues()) {
      expect(stdout.includes(v), 'stdout').toBe(false);
      expect(audited.includes(v), 'audit entry').toBe(false);
    }

    const run = async (args: string[]) => {
      try {
        const r = await promisify(execFile)(process.execPath, [join(import.meta.dirname, '../../dist/cli/main.js'), ...args], { encoding: 'utf8' });
        return { code: 0, ...r };
      } catch (e) {
        return e as { code: number; stdout: string; stderr: string };
      }
    };
    const out = outFile();
    const ok = await run(['--data', dataDir, 'incident', 'affected', '--export', dir, '--out', out, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ scope: 'export', subjects: subjectsOf(rows.slice(5, 40)).size });
    expect(existsSync(out)).toBe(true);
    expect((await run(['--data', dataDir, 'incident', 'affected', '--export', dir, '--objects', 'x', '--out', outFile()])).code).toBe(2);
    expect((await run(['--data', dataDir, 'incident', 'affected', '--since', '2020-01-01', '--out', outFile()])).code).toBe(2);
    const again = await run(['--data', dataDir, 'incident', 'affected', '--export', dir, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/OUTPUT_NOT_EMPTY/);
  });

  it('refuses an export not in the ledger, a missing officer key, a bad period: no list written, one failed entry', async () => {
    const stranger = join(work, 'stranger');
    mkdirSync(stranger, { recursive: true });
    writeFileSync(join(stranger, 'manifest.jsonl'), '{"id":"x"}\n');
    const before = (await lastAuditEntry()).count;
    const out = outFile();
    await expect(incidentAffected({ dataDir, scope: { export: stranger }, out })).rejects.toSatisfy((e: unknown) => isSunderError(e, 'INCIDENT_NOT_FOUND'));
    expect(existsSync(out)).toBe(false);
    const { entry, count } = await lastAuditEntry();
    expect(count).toBe(before + 1);
    expect(entry).toMatchObject({ outcome: 'failed', code: 'INCIDENT_NOT_FOUND' });
    await expect(incidentAffected({ dataDir, scope: { since: '2026-02-01', until: '2026-01-01' }, out })).rejects.toSatisfy((e: unknown) => isSunderError(e, 'CONFIG_INVALID'));
    await expect(incidentAffected({ dataDir, scope: { since: 'yesterday', until: '2026-01-01' }, out })).rejects.toSatisfy((e: unknown) => isSunderError(e, 'CONFIG_INVALID'));
    // Only the exporter's key here: no notification list (officer only).
    const exporterOnly = join(work, 'exporter-keys');
    mkdirSync(exporterOnly, { recursive: true });
    writeFileSync(join(exporterOnly, 'exporter.json'), readFileSync(join(layout.keysDir, 'exporter.json')), { mode: 0o600 });
    writeFileSync(join(exporterOnly, 'audit.json'), readFileSync(join(layout.keysDir, 'audit.json')), { mode: 0o600 });
    await expect(incidentAffected({ dataDir, keysDir: exporterOnly, scope: { since: '2000-01-01', until: '2100-01-01' }, out })).rejects.toSatisfy((e: unknown) => isSunderError(e, 'KEYS_MISSING'));
    expect(existsSync(out)).toBe(false);
  });
});
