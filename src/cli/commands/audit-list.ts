/** `sunder audit list [--subject-id S] [--action A] [--since T] [--json]`: entries, oldest first. */
import { Option, type Command } from 'commander';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from '../../audit/entry.js';
import { openAuditLog } from '../../audit/open.js';
import { auditCommand, layoutOfCommand } from './audit-command.js';

function line(e: AuditEntry): string {
  const who = e.actor.operator === undefined ? e.actor.role : `${e.actor.role}/${e.actor.operator}`;
  const targets = Object.entries(e.target ?? {}).map(([k, v]) => `${k}=${v.join(',')}`).join(' ');
  const counts = Object.entries(e.counts ?? {}).map(([k, n]) => `${k}=${n}`).join(' ');
  return [String(e.seq).padStart(6), e.time, who, e.action, e.code === undefined ? e.outcome : `${e.outcome}(${e.code})`, targets, counts].filter((s) => s !== '').join('  ');
}

export function registerAuditList(program: Command): void {
  auditCommand(program)
    .command('list')
    .description('list audit entries, oldest first (does not verify them: run `sunder audit verify`)')
    .option('--subject-id <id>', 'only entries that name this subject')
    .addOption(new Option('--action <action>', 'only this action').choices([...AUDIT_ACTIONS]))
    .option('--since <time>', 'only entries at or after this ISO 8601 time')
    .option('--json', 'one JSON entry a line')
    .action(async (opts: { subjectId?: string; action?: AuditAction; since?: string; json?: boolean }, cmd: Command) => {
      const log = await openAuditLog(layoutOfCommand(cmd), { create: false });
      const entries = await log.query({
        ...(opts.subjectId === undefined ? {} : { subjectId: opts.subjectId }),
        ...(opts.action === undefined ? {} : { action: opts.action }),
        ...(opts.since === undefined ? {} : { since: opts.since }),
      });
      process.stdout.write(entries.map((e) => (opts.json ? JSON.stringify(e) : line(e)) + '\n').join(''));
    });
}
