/**
 * The requests ledger: every data-subject request (access, correct, erase, withdraw, cancel),
 * when it arrived, when it is due (30 days later: POLICY.md 3.6, "我们将在30天内作出答复"), and
 * how it was answered (done, or refused as 3.6 allows). SQLite at `DATA/rights/requests.db`.
 *
 * Nothing personal is stored: the subject is named by their random subject id, and the two
 * free-text fields an officer fills (how the requester was verified, the result) are run
 * through the detection engine and refused if they carry an identifier.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { looksPersonal, OPERATOR, SUBJECT_ID } from '../audit/entry.js';
import type { AuditLog } from '../audit/log.js';
import { SunderError } from '../errors.js';
import { openSqlite } from '../sqlite.js';

export const REQUEST_KINDS = ['access', 'correct', 'erase', 'withdraw', 'cancel'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export type RequestStatus = 'open' | 'done' | 'refused';

/** Days the policy allows for an answer. */
export const ANSWER_DAYS = 30;
const DAY_MS = 86_400_000;
/** A received time this far ahead of the clock is a typo, not clock skew. */
const FUTURE_SLACK_MS = 5 * 60_000;
const MAX_TEXT = 500;

export interface RightsRequest {
  id: string;
  kind: RequestKind;
  /** Undefined when the person was not found (the request is still answered, and recorded). */
  subjectId?: string;
  /** ISO 8601 UTC. */
  receivedAt: string;
  /** receivedAt + 30 days. */
  dueAt: string;
  status: RequestStatus;
  doneAt?: string;
  /** Login name of the officer who opened it. */
  officer?: string;
  /** Login name of the officer who answered it. */
  answeredBy?: string;
  /** How the requester's identity was checked (free text, never personal data). */
  verifiedBy?: string;
  /** A guardian acts for a child under 14 (POLICY.md 4). */
  asGuardian: boolean;
  /** What was done or why it was refused (free text, never personal data). */
  result?: string;
}

export interface RequestView extends RightsRequest {
  /** Whole days until due (negative once overdue); undefined once answered. */
  daysLeft?: number;
  /** Open past its due time. */
  overdue: boolean;
  /** Answered after its due time. */
  late: boolean;
}

export interface OpenRequestInput {
  kind: RequestKind;
  subjectId?: string;
  /** When the request arrived (a letter is entered days later). @default now */
  receivedAt?: Date | string;
  officer?: string;
  verifiedBy?: string;
  asGuardian?: boolean;
}

export interface AnswerRequestInput {
  /** @default "done" */
  status?: 'done' | 'refused';
  result?: string;
  officer?: string;
}

export interface RequestLedgerOptions {
  /** @default () => new Date() */
  now?: () => Date;
  /** Each open and answer appends an audit entry here, in the same step as the ledger write. */
  audit?: AuditLog;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'correct', 'erase', 'withdraw', 'cancel')),
  subject_id TEXT,
  received_at TEXT NOT NULL,
  due_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'refused')),
  done_at TEXT,
  officer TEXT,
  answered_by TEXT,
  verified_by TEXT,
  as_guardian INTEGER NOT NULL DEFAULT 0,
  result TEXT
);
CREATE INDEX IF NOT EXISTS requests_open ON requests (status, due_at);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '1');
`;

interface Row {
  id: string;
  kind: RequestKind;
  subject_id: string | null;
  received_at: string;
  due_at: string;
  status: RequestStatus;
  done_at: string | null;
  officer: string | null;
  answered_by: string | null;
  verified_by: string | null;
  as_guardian: number;
  result: string | null;
}

const invalid = (message: string, path: string[]) => new SunderError('REQUEST_INVALID', message, { path });

function checkText(value: string | undefined, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) throw invalid(`expected \`${field}\` to be text of 1 to ${MAX_TEXT} characters`, [field]);
  if (looksPersonal(value)) throw invalid(`\`${field}\` looks like it holds personal data (an ID number, phone, email, name...); describe, don't quote`, [field]);
}

function checkOfficer(value: string | undefined, field: string): void {
  if (value !== undefined && (typeof value !== 'string' || !OPERATOR.test(value))) throw invalid(`expected \`${field}\` to be a login name`, [field]);
}

function toRequest(r: Row): RightsRequest {
  return {
    id: r.id, kind: r.kind,
    ...(r.subject_id === null ? {} : { subjectId: r.subject_id }),
    receivedAt: r.received_at, dueAt: r.due_at, status: r.status,
    ...(r.done_at === null ? {} : { doneAt: r.done_at }),
    ...(r.officer === null ? {} : { officer: r.officer }),
    ...(r.answered_by === null ? {} : { answeredBy: r.answered_by }),
    ...(r.verified_by === null ? {} : { verifiedBy: r.verified_by }),
    asGuardian: r.as_guardian === 1,
    ...(r.result === null ? {} : { result: r.result }),
  };
}

export function requestsDbOf(dataDir: string): string {
  return join(dataDir, 'rights', 'requests.db');
}

export class RequestLedger {
  private readonly now: () => Date;
  /** Ledger writes wait for the one before: each holds a transaction across its audit append. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: Database.Database, private readonly options: RequestLedgerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  static open(path: string, options: RequestLedgerOptions = {}): RequestLedger {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return new RequestLedger(openSqlite(path, 'requests ledger', SCHEMA), options);
  }

  /** Records a new request; due `ANSWER_DAYS` days after it was received. */
  async open(input: OpenRequestInput): Promise<RightsRequest> {
    if (!REQUEST_KINDS.includes(input.kind)) throw invalid(`expected \`kind\` to be one of ${REQUEST_KINDS.join(', ')}`, ['kind']);
    if (input.subjectId !== undefined && (typeof input.subjectId !== 'string' || !SUBJECT_ID.test(input.subjectId))) {
      throw invalid('expected `subjectId` to be a subject id (32 hex digits)', ['subjectId']);
    }
    checkOfficer(input.officer, 'officer');
    checkText(input.verifiedBy, 'verifiedBy');
    const now = this.now();
    const received = input.receivedAt === undefined ? now : new Date(input.receivedAt);
    if (Number.isNaN(received.getTime())) throw invalid('expected `receivedAt` to be a date-time (ISO 8601)', ['receivedAt']);
    if (received.getTime() > now.getTime() + FUTURE_SLACK_MS) throw invalid('expected `receivedAt` not to be in the future', ['receivedAt']);
    const request: RightsRequest = {
      id: this.newId(received),
      kind: input.kind,
      ...(input.subjectId === undefined ? {} : { subjectId: input.subjectId }),
      receivedAt: received.toISOString(),
      dueAt: new Date(received.getTime() + ANSWER_DAYS * DAY_MS).toISOString(),
      status: 'open',
      ...(input.officer === undefined ? {} : { officer: input.officer }),
      ...(input.verifiedBy === undefined ? {} : { verifiedBy: input.verifiedBy }),
      asGuardian: input.asGuardian === true,
    };
    await this.write(
      () => this.db.prepare(`INSERT INTO requests (id, kind, subject_id, received_at, due_at, status, officer, verified_by, as_guardian)
        VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?)`).run(request.id, request.kind, request.subjectId ?? null, request.receivedAt, request.dueAt,
        request.officer ?? null, request.verifiedBy ?? null, request.asGuardian ? 1 : 0),
      (audit) => audit.append({
        actor: { role: 'officer', ...(request.officer === undefined ? {} : { operator: request.officer }) },
        action: 'request-open',
        target: { requests: [request.id], ...(request.subjectId === undefined ? {} : { subjects: [request.subjectId] }) },
        outcome: 'ok',
      }),
    );
    return request;
  }

  /** Marks an open request answered (done or refused) now. */
  async answer(id: string, input: AnswerRequestInput = {}): Promise<RightsRequest> {
    const status = input.status ?? 'done';
    if (status !== 'done' && status !== 'refused') throw invalid('expected `status` to be done or refused', ['status']);
    checkOfficer(input.officer, 'officer');
    checkText(input.result, 'result');
    const existing = this.get(id);
    if (existing === undefined) throw new SunderError('REQUEST_NOT_FOUND', 'no request with that id', { path: ['id'] });
    if (existing.status !== 'open') throw invalid(`the request is already ${existing.status}`, ['id']);
    const doneAt = this.now().toISOString();
    await this.write(
      () => {
        const r = this.db.prepare(`UPDATE requests SET status = ?, done_at = ?, answered_by = ?, result = ? WHERE id = ? AND status = 'open'`)
          .run(status, doneAt, input.officer ?? null, input.result ?? null, id);
        if (r.changes !== 1) throw invalid('the request was answered meanwhile', ['id']);
      },
      (audit) => audit.append({
        actor: { role: 'officer', ...(input.officer === undefined ? {} : { operator: input.officer }) },
        action: 'request-close',
        target: { requests: [id], ...(existing.subjectId === undefined ? {} : { subjects: [existing.subjectId] }) },
        outcome: status === 'done' ? 'ok' : 'refused',
      }),
    );
    return this.get(id)!;
  }

  get(id: string): RightsRequest | undefined {
    if (typeof id !== 'string') return undefined;
    const row = this.db.prepare<[string], Row>('SELECT * FROM requests WHERE id = ?').get(id);
    return row === undefined ? undefined : toRequest(row);
  }

  /** Requests with their clock: open ones first, soonest due first, then answered ones, latest first. */
  list(filter: { open?: boolean; overdue?: boolean } = {}): RequestView[] {
    const now = this.now().getTime();
    const rows = this.db.prepare<[], Row>(`SELECT * FROM requests ORDER BY status <> 'open', CASE WHEN status = 'open' THEN due_at END, done_at DESC, id`).all();
    const out: RequestView[] = [];
    for (const row of rows) {
      const r = toRequest(row);
      const due = Date.parse(r.dueAt);
      const open = r.status === 'open';
      const view: RequestView = {
        ...r,
        ...(open ? { daysLeft: Math.ceil((due - now) / DAY_MS) } : {}),
        overdue: open && now > due,
        late: !open && Date.parse(r.doneAt!) > due,
      };
      if (filter.open === true && !open) continue;
      if (filter.overdue === true && !view.overdue) continue;
      out.push(view);
    }
    return out;
  }

  close(): void {
    this.db.close();
  }

  private newId(received: Date): string {
    const day = received.toISOString().slice(0, 10).replace(/-/g, '');
    for (;;) {
      const id = `R-${day}-${randomBytes(3).toString('hex')}`;
      if (this.get(id) === undefined) return id;
    }
  }

  /**
   * The ledger change and its audit entry together: the row is written in a transaction that
   * commits only once the entry is on disk, so a request is never recorded unaudited.
   */
  private async write(change: () => void, audit: (log: AuditLog) => Promise<unknown>): Promise<void> {
    const run = async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        change();
        if (this.options.audit !== undefined) await audit(this.options.audit);
        this.db.exec('COMMIT');
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    };
    const done = this.tail.then(run, run);
    this.tail = done.catch(() => undefined);
    await done;
  }
}
