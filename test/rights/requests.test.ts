/**
 * The requests ledger on real SQLite, with an injected clock: the 30-day clock, overdue and
 * late answers, audit entries in step with the ledger, and bad input refused without a trace.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditKey } from '../../src/audit/key.js';
import { AuditLog } from '../../src/audit/log.js';
import { isSunderError } from '../../src/errors.js';
import { ANSWER_DAYS, RequestLedger, requestsDbOf } from '../../src/rights/requests.js';
import { tempDir } from '../helpers/tmp.js';

const S1 = '0193a5b2c4d5e6f708192a3b4c5d6e7f';
const S2 = '0193a5b2c4d5aaaa08192a3b4c5d6e7f';
const DAY = 86_400_000;

function clockAt(iso: string) {
  let t = Date.parse(iso);
  return { now: () => new Date(t), advanceDays: (d: number) => void (t += d * DAY), set: (s: string) => void (t = Date.parse(s)) };
}

async function ledger(clock = clockAt('2026-12-01T09:00:00Z'), withAudit = true) {
  const dir = join(tempDir('sunder-requests-'), 'data');
  const audit = withAudit ? await AuditLog.open(join(dir, 'audit'), (await createAuditKey(join(dir, 'keys'))).key, clock) : undefined;
  const l = RequestLedger.open(requestsDbOf(dir), { now: clock.now, ...(audit === undefined ? {} : { audit }) });
  return { dir, l, audit, clock };
}

const code = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isSunderError(e) ? e.code : String(e)));

describe('requests ledger', () => {
  it('gives each request an id and a due date 30 days after it was received', async () => {
    const { l } = await ledger();
    const r = await l.open({ kind: 'erase', subjectId: S1, officer: 'officer-7', verifiedBy: 'ID card checked at the front desk' });
    expect(ANSWER_DAYS).toBe(30);
    expect(r).toMatchObject({ kind: 'erase', subjectId: S1, status: 'open', receivedAt: '2026-12-01T09:00:00.000Z', dueAt: '2026-12-31T09:00:00.000Z', asGuardian: false, officer: 'officer-7' });
    expect(r.id).toMatch(/^R-20261201-[0-9a-f]{6}$/);
    expect(l.get(r.id)).toEqual(r);
    // A letter entered a week after it arrived is due 30 days after it arrived.
    const late = await l.open({ kind: 'access', subjectId: S2, receivedAt: '2026-11-24T00:00:00Z', asGuardian: true });
    expect(late).toMatchObject({ dueAt: '2026-12-24T00:00:00.000Z', asGuardian: true });
  });

  it('counts the days left down and flags a request open past 30 days as overdue', async () => {
    const { l, clock } = await ledger();
    const r = await l.open({ kind: 'correct', subjectId: S1 });
    expect(l.list()[0]).toMatchObject({ id: r.id, daysLeft: 30, overdue: false });
    clock.advanceDays(29);
    expect(l.list()[0]).toMatchObject({ daysLeft: 1, overdue: false });
    clock.advanceDays(1); // exactly due: still in time
    expect(l.list()[0]).toMatchObject({ daysLeft: 0, overdue: false });
    expect(l.list({ overdue: true })).toEqual([]);
    clock.advanceDays(0.5);
    expect(l.list()[0]).toMatchObject({ overdue: true });
    expect(l.list({ overdue: true }).map((v) => v.id)).toEqual([r.id]);
    clock.advanceDays(3);
    expect(l.list()[0]!.daysLeft).toBe(-3);
  });

  it('answers requests done or refused, with the time, and tells in-time from late answers', async () => {
    const { l, clock } = await ledger();
    const a = await l.open({ kind: 'erase', subjectId: S1 });
    const b = await l.open({ kind: 'access', subjectId: S2 });
    const c = await l.open({ kind: 'withdraw', subjectId: S2 });
    clock.advanceDays(10);
    const done = await l.answer(a.id, { officer: 'officer-7', result: 'keys shredded, two recipients notified' });
    expect(done).toMatchObject({ status: 'done', doneAt: '2026-12-11T09:00:00.000Z', answeredBy: 'officer-7' });
    clock.advanceDays(25);
    await l.answer(b.id, { status: 'refused', result: 'repeated request within the month' });
    const list = l.list();
    expect(list.map((v) => v.id)).toEqual([c.id, b.id, a.id]); // open first, then latest answered
    expect(list[0]).toMatchObject({ status: 'open', overdue: true });
    expect(list[1]).toMatchObject({ status: 'refused', late: true, overdue: false });
    expect(list[1]).not.toHaveProperty('daysLeft');
    expect(list[2]).toMatchObject({ status: 'done', late: false });
    expect(l.list({ open: true }).map((v) => v.id)).toEqual([c.id]);
    expect(await code(l.answer(a.id))).toBe('REQUEST_INVALID'); // already done
    expect(await code(l.answer('R-20261201-000000'))).toBe('REQUEST_NOT_FOUND');
  });

  it('orders open requests by what is due first', async () => {
    const { l } = await ledger();
    const x = await l.open({ kind: 'access', subjectId: S1, receivedAt: '2026-11-20T00:00:00Z' });
    const y = await l.open({ kind: 'access', subjectId: S1, receivedAt: '2026-11-05T00:00:00Z' });
    const z = await l.open({ kind: 'access', subjectId: S1, receivedAt: '2026-11-28T00:00:00Z' });
    expect(l.list().map((v) => v.id)).toEqual([y.id, x.id, z.id]);
  });

  it('writes one audit entry per open and per answer, naming the request and subject only', async () => {
    const { l, audit } = await ledger();
    const r = await l.open({ kind: 'erase', subjectId: S1, officer: 'officer-7', verifiedBy: 'video call, ID shown' });
    await l.answer(r.id, { status: 'refused', officer: 'officer-9' });
    const entries = await audit!.query();
    expect(entries.map((e) => [e.action, e.outcome, e.actor.operator])).toEqual([['request-open', 'ok', 'officer-7'], ['request-close', 'refused', 'officer-9']]);
    for (const e of entries) expect(e.target).toEqual({ requests: [r.id], subjects: [S1] });
    expect((await audit!.verify()).ok).toBe(true);
  });

  it('records nothing when the audit entry cannot be written', async () => {
    const { l, audit, dir } = await ledger();
    await l.open({ kind: 'access', subjectId: S1 });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(audit!.headFile, '{}'); // a broken sidecar: appends are refused
    expect(await code(l.open({ kind: 'erase', subjectId: S2 }))).toBe('AUDIT_TAMPERED');
    const db = new Database(requestsDbOf(dir), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM requests').get()).toEqual({ n: 1 });
    db.close();
    expect(l.list()).toHaveLength(1);
  });

  it('refuses bad input with a code and the field, storing nothing and never echoing the value', async () => {
    const { l, dir } = await ledger();
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => l.open({ kind: 'delete' as never, subjectId: S1 }), 'kind', 'delete'],
      [() => l.open({ kind: 'erase', subjectId: '13800138000' }), 'subjectId', '13800138000'],
      [() => l.open({ kind: 'erase', subjectId: S1, verifiedBy: 'ID 11010519491231002X shown' }), 'verifiedBy', '11010519491231002X'],
      [() => l.open({ kind: 'erase', subjectId: S1, verifiedBy: 'called back on 13800138000' }), 'verifiedBy', '13800138000'],
      [() => l.open({ kind: 'erase', subjectId: S1, verifiedBy: 'mailed li.wei@example.com' }), 'verifiedBy', 'li.wei@example.com'],
      [() => l.open({ kind: 'erase', subjectId: S1, receivedAt: 'yesterday' }), 'receivedAt', 'yesterday'],
      [() => l.open({ kind: 'erase', subjectId: S1, receivedAt: '2027-01-01T00:00:00Z' }), 'receivedAt', '2027-01-01'],
      [() => l.open({ kind: 'erase', subjectId: S1, officer: 'Li Wei' }), 'officer', 'Li Wei'],
    ];
    for (const [p, field, value] of cases) {
      const err = await p().then(() => undefined, (e: unknown) => e);
      expect(isSunderError(err, 'REQUEST_INVALID'), field).toBe(true);
      expect((err as { path: string[] }).path).toEqual([field]);
      expect((err as Error).message).not.toContain(value);
    }
    const r = await l.open({ kind: 'erase', subjectId: S1 });
    expect(await code(l.answer(r.id, { result: 'emailed li.wei@example.com' }))).toBe('REQUEST_INVALID');
    expect(l.get(r.id)!.status).toBe('open');
    const db = new Database(requestsDbOf(dir), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM requests').get()).toEqual({ n: 1 });
    db.close();
  });

  it('keeps requests across reopening the database', async () => {
    const clock = clockAt('2026-12-01T09:00:00Z');
    const { l, dir } = await ledger(clock, false);
    const r = await l.open({ kind: 'cancel' });
    l.close();
    const again = RequestLedger.open(requestsDbOf(dir), { now: clock.now });
    expect(again.get(r.id)).toEqual(r);
    expect(r).not.toHaveProperty('subjectId');
    again.close();
  });
});
