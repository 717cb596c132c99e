/**
 * The `sunder request` group (`open`, `close`) and the ledger every requests command opens:
 * `DATA/rights/requests.db`, auditing each change to `DATA/audit/`.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { openAuditLog } from '../../audit/open.js';
import { SunderError } from '../../errors.js';
import { RequestLedger, requestsDbOf, type RequestView, type RightsRequest } from '../../rights/requests.js';
import { layoutOfCommand } from './audit-command.js';

export function requestCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'request')
    ?? program.command('request').description('open and answer data-subject requests (the 30-day clock runs from receipt)');
}

/**
 * Runs `fn` with the ledger open (and audited when `audited`), closing it after. `existing`:
 * `fn`'s value when there is no ledger yet (nothing is created then); without it, one is created.
 */
export async function withLedger<T>(cmd: Command, audited: boolean, fn: (ledger: RequestLedger) => Promise<T> | T, existing?: { absent: () => T }): Promise<T> {
  const layout = layoutOfCommand(cmd);
  if (existing !== undefined && !existsSync(requestsDbOf(layout.dataDir))) return existing.absent();
  const audit = audited ? await openAuditLog(layout) : undefined;
  const ledger = RequestLedger.open(requestsDbOf(layout.dataDir), audit === undefined ? {} : { audit });
  try {
    return await fn(ledger);
  } finally {
    ledger.close();
  }
}

/** One line per request: id, kind, status, subject, received, due, and the clock. */
export const noSuchRequest = (): never => {
  throw new SunderError('REQUEST_NOT_FOUND', 'no request with that id (there is no requests ledger yet)', { path: ['id'] });
};

export function requestLine(r: RightsRequest | RequestView): string {
  const v = r as Partial<RequestView>;
  let clock = '';
  if (r.status === 'open' && v.daysLeft !== undefined) {
    clock = v.overdue ? `OVERDUE by ${Math.max(1, -v.daysLeft)} day${-v.daysLeft === 1 ? '' : 's'}` : `${v.daysLeft} day${v.daysLeft === 1 ? '' : 's'} left`;
  } else if (r.status !== 'open') clock = `${r.status} ${r.doneAt}${v.late ? ' (late)' : ''}`;
  return [v.overdue ? '!' : ' ', r.id, r.kind.padEnd(8), r.status.padEnd(7), r.subjectId ?? '-', `received ${r.receivedAt}`, `due ${r.dueAt}`,
    r.asGuardian ? 'guardian' : '', clock].filter((s) => s !== '').join('  ');
}
