/**
 * `sunder audit verify|list`, `sunder requests`, `sunder request open|close`: the command files
 * run in-process on a real data folder (fast), and through `src/cli/main.ts` in a child process
 * for the wiring, the exit codes and the one-line errors.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auditKeyPath, loadAuditKey } from '../../src/audit/key.js';
import { AuditLog } from '../../src/audit/log.js';
import { auditDirOf, initAudit } from '../../src/audit/open.js';
import { registerAuditList } from '../../src/cli/commands/audit-list.js';
import { registerAuditVerify } from '../../src/cli/commands/audit-verify.js';
import { registerRequestClose } from '../../src/cli/commands/request-close.js';
import { registerRequestOpen } from '../../src/cli/commands/request-open.js';
import { registerRequests } from '../../src/cli/commands/requests.js';
import { layoutOf } from '../../src/layout.js';
import { requestsDbOf } from '../../src/rights/requests.js';
import { tempDir } from '../helpers/tmp.js';

const S1 = '0193a5b2c4d5e6f708192a3b4c5d6e7f';
const S2 = '0193a5b2c4d5aaaa08192a3b4c5d6e7f';

/** Runs one command in-process; returns its stdout, stderr and exit code. */
async function sunder(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('sunder').option('--data <dir>').option('--keys <dir>').exitOverride();
  for (const register of [registerAuditVerify, registerAuditList, registerRequests, registerRequestOpen, registerRequestClose]) register(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } catch (e) {
    return { code: 2, stdout, stderr: stderr + String((e as { code?: string }).code ?? e) };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

afterEach(() => vi.restoreAllMocks());

async function dataWithEntries() {
  const dataDir = join(tempDir(), 'data');
  const layout = layoutOf({ dataDir });
  await initAudit(layout);
  const log = await AuditLog.open(auditDirOf(dataDir), await loadAuditKey(layout.keysDir));
  await log.append({ actor: { role: 'ingest' }, action: 'ingest-run', target: { runs: ['20261206-101010-ab12cd34'] }, outcome: 'ok', counts: { records: 5 } });
  await log.append({ actor: { role: 'officer', operator: 'officer-7' }, action: 'access', target: { subjects: [S1] }, outcome: 'ok' });
  await log.append({ actor: { role: 'officer', operator: 'officer-7' }, action: 'erase', target: { subjects: [S2] }, outcome: 'ok', counts: { records: 3 } });
  await log.append({ actor: { role: 'officer', operator: 'officer-9' }, action: 'erase', target: { subjects: [S1] }, outcome: 'refused', code: 'REQUEST_INVALID' });
  return { dataDir, log };
}

describe('sunder audit (in-process)', () => {
  it('verify: ok with the count; exit 1 and the entry number once an entry is gone', async () => {
    const { dataDir, log } = await dataWithEntries();
    const ok = await sunder(['--data', dataDir, 'audit', 'verify']);
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('4 entries verified') });
    const json = await sunder(['--data', dataDir, 'audit', 'verify', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, verified: 4, acknowledged: 4 });

    const lines = readFileSync(log.file, 'utf8').split('\n');
    writeFileSync(log.file, lines.filter((_, i) => i !== 1).join('\n'));
    const broken = await sunder(['--data', dataDir, 'audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/audit log broken at entry 2 \(sequence\)/);
    const brokenJson = await sunder(['--data', dataDir, 'audit', 'verify', '--json']);
    expect(brokenJson.code).toBe(1);
    expect(JSON.parse(brokenJson.stdout)).toMatchObject({ ok: false, verified: 1, problem: { entry: 2, kind: 'sequence' } });
  });

  it('verify: a data folder with no audit log fails; one with no audit key is an error; neither creates anything', async () => {
    const dataDir = join(tempDir(), 'data');
    const layout = layoutOf({ dataDir });
    await initAudit(layout);
    const { rmSync } = await import('node:fs');
    rmSync(auditDirOf(dataDir), { recursive: true });
    const r = await sunder(['--data', dataDir, 'audit', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken at entry 1 \(head\)/);
    expect(existsSync(auditDirOf(dataDir))).toBe(false);
    rmSync(auditKeyPath(layout.keysDir));
    expect(await sunder(['--data', dataDir, 'audit', 'verify'])).toMatchObject({ code: 2, stderr: expect.stringContaining('KEYS_MISSING') });
    expect(existsSync(auditKeyPath(layout.keysDir))).toBe(false);
  });

  it('list: filters by subject and action, as text or JSON', async () => {
    const { dataDir } = await dataWithEntries();
    const all = await sunder(['--data', dataDir, 'audit', 'list']);
    expect(all.stdout.trim().split('\n')).toHaveLength(4);
    expect(all.stdout).toMatch(/officer\/officer-9 {2}erase {2}refused\(REQUEST_INVALID\) {2}subjects=0193a5b2c4d5e6f708192a3b4c5d6e7f/);
    const s1 = await sunder(['--data', dataDir, 'audit', 'list', '--subject-id', S1, '--json']);
    expect(s1.stdout.trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual([2, 4]);
    const erases = await sunder(['--data', dataDir, 'audit', 'list', '--action', 'erase', '--subject-id', S1, '--json']);
    expect(erases.stdout.trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual([4]);
    expect((await sunder(['--data', dataDir, 'audit', 'list', '--action', 'peek'])).code).toBe(2);
  });
});

describe('sunder requests (in-process)', () => {
  it('opens, lists with days left (overdue marked), and closes requests, each audited', async () => {
    const dataDir = join(tempDir(), 'data');
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const a = await sunder(['--data', dataDir, 'request', 'open', '--kind', 'erase', '--subject-id', S1, '--received-at', old, '--operator', 'officer-7', '--json']);
    expect(a.code).toBe(0);
    const ra = JSON.parse(a.stdout);
    const b = await sunder(['--data', dataDir, 'request', 'open', '--kind', 'access', '--subject-id', S2, '--as-guardian', '--verified-by', 'guardian ID card checked in person']);
    expect(b.stdout).toMatch(/^opened R-\d{8}-[0-9a-f]{6}, due /);

    const list = await sunder(['--data', dataDir, 'requests']);
    const [first, second] = list.stdout.trim().split('\n');
    expect(first).toMatch(new RegExp(`^! +${ra.id} +erase +open .*OVERDUE by 10 days$`));
    expect(second).toMatch(/^ +R-.* access +open .*guardian +30 days left$/);
    expect(list.stderr).toMatch(/1 request is overdue/);
    const overdue = await sunder(['--data', dataDir, 'requests', '--overdue', '--json']);
    expect(overdue.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ id: ra.id, overdue: true, daysLeft: -10 })]);

    const closed = await sunder(['--data', dataDir, 'request', 'close', ra.id, '--result', 'keys shredded', '--operator', 'officer-9', '--json']);
    expect(JSON.parse(closed.stdout)).toMatchObject({ id: ra.id, status: 'done', answeredBy: 'officer-9', result: 'keys shredded' });
    expect((await sunder(['--data', dataDir, 'requests', '--overdue'])).stdout).toBe('');
    expect((await sunder(['--data', dataDir, 'requests'])).stdout).toMatch(/done .*\(late\)$/m);
    expect(await sunder(['--data', dataDir, 'request', 'answer', ra.id])).toMatchObject({ code: 2, stderr: expect.stringContaining('REQUEST_INVALID') });

    const audit = await sunder(['--data', dataDir, 'audit', 'list', '--json']);
    expect(audit.stdout.trim().split('\n').map((l) => JSON.parse(l).action)).toEqual(['request-open', 'request-open', 'request-close']);
    expect((await sunder(['--data', dataDir, 'audit', 'verify'])).code).toBe(0);
  });

  it('refuses a bad subject id, an unknown request and a missing kind, changing nothing', async () => {
    const dataDir = join(tempDir(), 'data');
    expect(await sunder(['--data', dataDir, 'request', 'close', 'R-20261201-000000'])).toMatchObject({ code: 2, stderr: expect.stringContaining('REQUEST_NOT_FOUND') });
    expect(existsSync(requestsDbOf(dataDir))).toBe(false);
    expect((await sunder(['--data', dataDir, 'requests'])).stdout).toBe('');
    expect(existsSync(requestsDbOf(dataDir))).toBe(false);
    await sunder(['--data', dataDir, 'request', 'open', '--kind', 'access', '--subject-id', S1]);
    const before = readFileSync(requestsDbOf(dataDir));
    const bad = await sunder(['--data', dataDir, 'request', 'open', '--kind', 'erase', '--subject-id', '13800138000']);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('REQUEST_INVALID') });
    expect(bad.stderr).not.toContain('13800138000');
    expect((await sunder(['--data', dataDir, 'request', 'open', '--subject-id', S1])).code).toBe(2);
    expect(readFileSync(requestsDbOf(dataDir))).toEqual(before);
    expect((await sunder(['--data', dataDir, 'requests'])).stdout.trim().split('\n')).toHaveLength(1);
  });
});

describe('sunder CLI (child process, the built dist/ as test/cli.test.ts runs it)', () => {
  const run = async (args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, '../../dist/cli/main.js'), ...args], { encoding: 'utf8' });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };

  it('init creates the audit key; verify exits 0, then 1 with one line once the log is cut; a bad request id exits 2', async () => {
    const dataDir = join(tempDir(), 'data');
    const init = await run(['--data', dataDir, 'init']);
    expect(init.stdout).toMatch(/created the audit key/);
    expect(existsSync(auditKeyPath(join(dataDir, 'keys')))).toBe(true);
    const log = await AuditLog.open(auditDirOf(dataDir), await loadAuditKey(join(dataDir, 'keys')));
    for (let i = 0; i < 3; i++) await log.append({ actor: { role: 'officer' }, action: 'access', target: { subjects: [S1] }, outcome: 'ok' });
    expect(await run(['--data', dataDir, 'audit', 'verify'])).toMatchObject({ code: 0, stdout: expect.stringContaining('3 entries verified') });
    writeFileSync(log.file, readFileSync(log.file, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    const cut = await run(['--data', dataDir, 'audit', 'verify']);
    expect(cut.code).toBe(1);
    expect(cut.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sunder: audit log broken at entry 3 \(truncated\)/)]);
    const missing = await run(['--data', dataDir, 'request', 'close', 'R-20261201-000000']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^sunder: no request with that id.*\(REQUEST_NOT_FOUND\)$/);
  });
});
