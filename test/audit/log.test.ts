/**
 * The audit log's chain: every kind of tamper is found at the entry where it happened, appends
 * from two writers in one process (and from two processes) stay one valid chain, and nothing a
 * caller passes gets in unless it is an id.
 */
import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AuditEntryInput } from '../../src/audit/entry.js';
import { createAuditKey, loadAuditKey, type AuditKey } from '../../src/audit/key.js';
import { AuditLog } from '../../src/audit/log.js';
import { isSunderError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir('sunder-audit-');
let n = 0;
const fresh = () => join(root, `case-${++n}`);

const SUBJECT = '0193a5b2c4d5e6f708192a3b4c5d6e7f';
const entry = (i: number): AuditEntryInput => ({
  actor: { role: 'officer', operator: 'officer-7' },
  action: i % 2 === 0 ? 'access' : 'erase',
  target: { subjects: [SUBJECT], requests: [`R-20261206-${String(i).padStart(6, '0')}`] },
  outcome: 'ok',
  counts: { records: i },
});

async function keyIn(dir: string): Promise<AuditKey> {
  return (await createAuditKey(join(dir, 'keys'))).key;
}

/** A log of `count` entries in a fresh folder. */
async function logOf(count: number, key?: AuditKey): Promise<{ dir: string; log: AuditLog; key: AuditKey; lines: string[] }> {
  const dir = fresh();
  const k = key ?? (await keyIn(dir));
  const log = await AuditLog.open(join(dir, 'audit'), k);
  for (let i = 1; i <= count; i++) await log.append(entry(i));
  return { dir, log, key: k, lines: readFileSync(log.file, 'utf8').split('\n').slice(0, -1) };
}

const rewrite = (log: AuditLog, lines: string[]) => writeFileSync(log.file, lines.map((l) => l + '\n').join(''));

describe('audit log', () => {
  it('appends numbered, chained entries and verifies them', async () => {
    const { log, lines } = await logOf(5);
    expect(lines).toHaveLength(5);
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < 5; i++) expect(entries[i].prev).toBe(entries[i - 1].mac);
    expect(entries[0]).toMatchObject({ actor: { role: 'officer', operator: 'officer-7' }, action: 'erase', outcome: 'ok', counts: { records: 1 } });
    expect(await log.verify()).toEqual({ ok: true, verified: 5, acknowledged: 5 });
    expect(statSync(log.file).mode & 0o777).toBe(0o600);
  });

  it('answers queries by subject, action and time', async () => {
    const dir = fresh();
    let t = Date.parse('2026-12-01T00:00:00Z');
    const log = await AuditLog.open(join(dir, 'audit'), await keyIn(dir), { now: () => new Date((t += 86_400_000)) });
    for (let i = 1; i <= 6; i++) await log.append(entry(i));
    await log.append({ actor: { role: 'ingest' }, action: 'ingest-run', target: { runs: ['20261206-101010-ab12cd34'] }, outcome: 'ok' });
    expect((await log.query({ action: 'erase' })).map((e) => e.seq)).toEqual([1, 3, 5]);
    expect((await log.query({ subjectId: SUBJECT })).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await log.query({ subjectId: 'ffffffffffffffffffffffffffffffff' }))).toEqual([]);
    expect((await log.query({ since: '2026-12-05T00:00:00Z' })).map((e) => e.seq)).toEqual([4, 5, 6, 7]);
    expect((await log.query({ since: '2026-12-05T00:00:00Z', action: 'access' })).map((e) => e.seq)).toEqual([4, 6]);
  });

  it('finds a one-byte edit anywhere in an entry at that entry', async () => {
    const { log, lines } = await logOf(5);
    const original = readFileSync(log.file);
    const start = lines.slice(0, 2).reduce((a, l) => a + Buffer.byteLength(l) + 1, 0);
    const length = Buffer.byteLength(lines[2]!) + 1; // with its newline
    for (let i = start; i < start + length; i++) {
      const bytes = Buffer.from(original);
      bytes[i] = bytes[i]! ^ 0x01;
      writeFileSync(log.file, bytes);
      const r = await log.verify();
      expect(r.ok, `byte ${i - start}`).toBe(false);
      expect(r.problem?.entry, `byte ${i - start}`).toBe(3);
    }
    writeFileSync(log.file, original);
    expect((await log.verify()).ok).toBe(true);
  });

  it('finds an edit that keeps the JSON valid, even with the MAC left in place', async () => {
    const { log, lines } = await logOf(4);
    rewrite(log, lines.map((l, i) => (i === 1 ? l.replace('"records":2', '"records":9') : l)));
    expect((await log.verify()).problem).toMatchObject({ entry: 2, kind: 'mac' });
  });

  it('finds a deleted entry where it was', async () => {
    const { log, lines } = await logOf(5);
    rewrite(log, lines.filter((_, i) => i !== 2));
    expect((await log.verify()).problem).toMatchObject({ entry: 3, kind: 'sequence' });
  });

  it('finds two swapped entries at the first of them', async () => {
    const { log, lines } = await logOf(5);
    rewrite(log, [lines[0]!, lines[2]!, lines[1]!, lines[3]!, lines[4]!]);
    expect((await log.verify()).problem).toMatchObject({ entry: 2, kind: 'sequence' });
  });

  it('finds a replayed (duplicated) entry where it was inserted', async () => {
    const { log, lines } = await logOf(4);
    rewrite(log, [lines[0]!, lines[1]!, lines[1]!, lines[2]!, lines[3]!]);
    expect((await log.verify()).problem).toMatchObject({ entry: 3, kind: 'sequence' });
  });

  it('finds a renumbered entry (seq and prev rewritten) by its MAC', async () => {
    const { log, lines } = await logOf(5);
    // Drop entry 3 and renumber 4 as 3 with entry 2's MAC as prev: only the MAC can tell.
    const e4 = JSON.parse(lines[3]!);
    const e2 = JSON.parse(lines[1]!);
    const forged = { ...e4, seq: 3, prev: e2.mac };
    const canon = (v: Record<string, unknown>) => `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(v[k])}`).join(',')}}`;
    rewrite(log, [lines[0]!, lines[1]!, canon(forged)]);
    expect((await log.verify()).problem).toMatchObject({ entry: 3, kind: 'mac' });
  });

  it('finds a cut-off tail through the sidecar, at the first missing entry', async () => {
    const { log, lines } = await logOf(6);
    rewrite(log, lines.slice(0, 4));
    expect((await log.verify()).problem).toMatchObject({ entry: 5, kind: 'truncated' });
    rewrite(log, lines.slice(0, 5));
    expect((await log.verify()).problem).toMatchObject({ entry: 6, kind: 'truncated' });
    writeFileSync(log.file, '');
    expect((await log.verify()).problem).toMatchObject({ entry: 1, kind: 'truncated' });
    rmSync(log.file);
    expect((await log.verify()).problem).toMatchObject({ entry: 1, kind: 'truncated' });
  });

  it('finds a tail cut mid-entry at that entry', async () => {
    const { log } = await logOf(4);
    truncateSync(log.file, statSync(log.file).size - 20);
    expect((await log.verify()).problem).toMatchObject({ entry: 4, kind: 'torn' });
  });

  it('finds a tail rewritten by someone holding the key: the sidecar pins the last MAC', async () => {
    const dir = fresh();
    const key = await keyIn(dir);
    const clock = { now: () => new Date('2026-12-06T10:00:00Z') };
    const mine = await AuditLog.open(join(dir, 'mine'), key, clock);
    const theirs = await AuditLog.open(join(dir, 'theirs'), key, clock);
    for (let i = 1; i <= 3; i++) {
      await mine.append(entry(i));
      await theirs.append(entry(i));
    }
    await mine.append(entry(4));
    await theirs.append({ ...entry(4), outcome: 'refused', code: 'REQUEST_INVALID' });
    copyFileSync(theirs.file, mine.file); // a valid chain, the same 1-3, another entry 4
    expect((await mine.verify()).problem).toMatchObject({ entry: 4, kind: 'truncated' });
    await expect(mine.append(entry(5))).rejects.toSatisfy((e: unknown) => isSunderError(e, 'AUDIT_TAMPERED'));
  });

  it('finds a whole log made with another key at entry 1, with or without its sidecar', async () => {
    const { log, key } = await logOf(4);
    const foreign = await logOf(4);
    copyFileSync(foreign.log.file, log.file);
    expect((await log.verify()).problem).toMatchObject({ entry: 1, kind: 'chain', message: expect.stringMatching(/another key/) });
    copyFileSync(foreign.log.headFile, log.headFile);
    expect((await log.verify()).problem).toMatchObject({ entry: 1, kind: 'chain' });
    // Even with entry 1's prev set to this key's genesis, its MAC gives it away.
    const lines = readFileSync(log.file, 'utf8').split('\n');
    const genesis = (await logOf(0, key)).log.macAt(0)!;
    const first = JSON.parse(lines[0]!);
    lines[0] = `{${Object.keys(first).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(k === 'prev' ? genesis : first[k])}`).join(',')}}`;
    writeFileSync(log.file, lines.join('\n'));
    expect((await log.verify()).problem).toMatchObject({ entry: 1, kind: 'mac' });
  });

  it('finds a deleted or foreign sidecar', async () => {
    const { log } = await logOf(3);
    const foreign = await logOf(3);
    copyFileSync(foreign.log.headFile, log.headFile);
    expect((await log.verify()).problem).toMatchObject({ kind: 'head' });
    rmSync(log.headFile);
    expect((await log.verify()).problem).toMatchObject({ kind: 'head' });
    await expect(log.append(entry(4))).rejects.toSatisfy((e: unknown) => isSunderError(e, 'AUDIT_TAMPERED'));
  });

  it('refuses to append after a cut tail, so the evidence stays', async () => {
    const { log, lines } = await logOf(5);
    rewrite(log, lines.slice(0, 3));
    await expect(log.append(entry(6))).rejects.toSatisfy((e: unknown) => isSunderError(e, 'AUDIT_TAMPERED'));
    expect(readFileSync(log.file, 'utf8').split('\n').slice(0, -1)).toEqual(lines.slice(0, 3));
    expect((await log.verify()).problem).toMatchObject({ entry: 4, kind: 'truncated' });
    rmSync(log.file);
    await expect(log.append(entry(6))).rejects.toSatisfy((e: unknown) => isSunderError(e, 'AUDIT_TAMPERED'));
    expect(existsSync(log.file)).toBe(false);
  });

  it('drops a torn last line the sidecar never acknowledged (a crash mid-write) on the next append', async () => {
    const { log } = await logOf(3);
    appendFileSync(log.file, '{"action":"erase","act');
    expect((await log.verify()).problem).toMatchObject({ entry: 4, kind: 'torn' });
    await log.append(entry(4));
    expect(await log.verify()).toEqual({ ok: true, verified: 4, acknowledged: 4 });
  });

  it('accepts a log one append ahead of its sidecar (a crash between the two writes)', async () => {
    const { log } = await logOf(3);
    const head = readFileSync(log.headFile);
    await log.append(entry(4));
    writeFileSync(log.headFile, head);
    expect(await log.verify()).toEqual({ ok: true, verified: 4, acknowledged: 3 });
    await log.append(entry(5));
    expect(await log.verify()).toEqual({ ok: true, verified: 5, acknowledged: 5 });
  });

  it('keeps one valid chain when two writers in one process append at once', async () => {
    const dir = fresh();
    const key = await keyIn(dir);
    const a = await AuditLog.open(join(dir, 'audit'), key);
    const b = await AuditLog.open(join(dir, 'audit'), key);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 25; i++) {
      writes.push(a.append({ ...entry(i), target: { runs: [`a-${i}`] } }));
      writes.push(b.appendBatch([{ ...entry(i), target: { runs: [`b-${i}`] } }, { ...entry(i), target: { runs: [`b-${i}-2`] } }]));
    }
    await Promise.all(writes);
    expect(await a.verify()).toEqual({ ok: true, verified: 75, acknowledged: 75 });
    const runs = (await b.query()).map((e) => e.target!.runs![0]);
    expect(new Set(runs).size).toBe(75);
    // Each batch stays contiguous.
    for (let i = 0; i < 25; i++) expect(runs.indexOf(`b-${i}-2`)).toBe(runs.indexOf(`b-${i}`) + 1);
  });

  it('keeps one valid chain when two processes append at once', async () => {
    const dir = fresh();
    const keysDir = join(dir, 'keys');
    await createAuditKey(keysDir);
    const logDir = join(dir, 'audit');
    await AuditLog.open(logDir, await loadAuditKey(keysDir));
    const worker = join(import.meta.dirname, 'append-worker.ts');
    const spawn = (prefix: string) => promisify(execFile)(process.execPath, ['--import', 'tsx', worker, logDir, keysDir, '20', prefix]);
    const log = await AuditLog.open(logDir, await loadAuditKey(keysDir));
    let running = true;
    const both = Promise.all([spawn('p1'), spawn('p2')]).finally(() => (running = false));
    // A verify while they write sees each append whole or not at all: never a torn or cut tail.
    let looks = 0;
    while (running) {
      const r = await log.verify();
      expect(r.problem).toBeUndefined();
      looks++;
      await new Promise((res) => setTimeout(res, 5));
    }
    await both;
    expect(looks).toBeGreaterThan(0);
    expect(await log.verify()).toEqual({ ok: true, verified: 40, acknowledged: 40 });
  });

  it('takes over a lock left by a dead process, and waits for a live one before giving up', async () => {
    const { log } = await logOf(1);
    const lock = join(log.dir, 'audit.lock');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a pid that has exited
    writeFileSync(lock, `${dead} 0`);
    await log.append(entry(2));
    expect(existsSync(lock)).toBe(false);
    // A live holder (the parent of this process) is waited for, then AUDIT_LOCKED.
    writeFileSync(lock, `${process.ppid} 0`);
    const impatient = await AuditLog.open(log.dir, (log as unknown as { key: AuditKey }).key, { lockTimeoutMs: 20 });
    await expect(impatient.append(entry(3))).rejects.toSatisfy((e: unknown) => isSunderError(e, 'AUDIT_LOCKED'));
    rmSync(lock);
    expect(await log.verify()).toEqual({ ok: true, verified: 2, acknowledged: 2 });
  });

  it('refuses entries carrying anything but ids, naming the field and never the value', async () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    const log = await AuditLog.open(join(dir, 'audit'), await keyIn(dir));
    const base: AuditEntryInput = { actor: { role: 'officer', operator: 'officer-7' }, action: 'access', outcome: 'ok' };
    const bad: [AuditEntryInput, (string | number)[], string][] = [
      [{ ...base, actor: { role: 'officer', operator: 'li.wei@example.com' } }, ['actor', 'operator'], 'li.wei@example.com'],
      [{ ...base, actor: { role: 'officer', operator: '13800138000' } }, ['actor', 'operator'], '13800138000'],
      [{ ...base, actor: { role: 'officer', operator: 'Zhang Wei' } }, ['actor', 'operator'], 'Zhang Wei'],
      [{ ...base, target: { subjects: ['110105199003071234'] } }, ['target', 'subjects', 0], '110105199003071234'],
      [{ ...base, target: { records: ['ok-1', 'rec-13800138000'] } }, ['target', 'records', 1], '13800138000'],
      [{ ...base, target: { recipients: ['11010519491231002X'] } }, ['target', 'recipients', 0], '11010519491231002X'],
      [{ ...base, target: { runs: ['a b'] } }, ['target', 'runs', 0], 'a b'],
      [{ ...base, target: { name: ['x'] } as never }, ['target', 'name'], 'name'],
      [{ ...base, counts: { records: -1 } }, ['counts', 'records'], '-1'],
      [{ ...base, action: 'peek' as never }, ['action'], 'peek'],
      [{ ...base, actor: { role: 'root' as never } }, ['actor', 'role'], 'root'],
    ];
    for (const [input, path, value] of bad) {
      const err = await log.append(input).then(() => undefined, (e: unknown) => e);
      expect(isSunderError(err, 'AUDIT_ENTRY_INVALID'), JSON.stringify(path)).toBe(true);
      expect((err as { path: unknown }).path).toEqual(path);
      if (value.length > 4) expect((err as Error).message).not.toContain(value);
    }
    expect(readFileSync(log.file, 'utf8')).toBe('');
    // Ids of every kind pass.
    await log.append({ ...base, target: { subjects: [SUBJECT], pseudonyms: ['p_abcdefghijklmnopqrstuv'], records: ['rec-0001'], recipients: ['acme-ai'], projects: ['voice-2026'], exports: ['9f8e7d6c5b4a3210'] } });
    expect((await log.verify()).ok).toBe(true);
  });
});
