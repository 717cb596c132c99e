/** `sunder request open --kind K [--subject-id S] ...`: records a request; prints its id and due date. */
import { Option, type Command } from 'commander';
import { operatorName } from '../../audit/open.js';
import { REQUEST_KINDS, type RequestKind } from '../../rights/requests.js';
import { requestCommand, requestLine, withLedger } from './request-command.js';

export function registerRequestOpen(program: Command): void {
  requestCommand(program)
    .command('open')
    .description('record a data-subject request; it is due 30 days after it was received')
    .addOption(new Option('--kind <kind>', 'what is asked').choices([...REQUEST_KINDS]).makeOptionMandatory())
    .option('--subject-id <id>', 'the subject (omit when the person is not found: the request is still recorded and answered)')
    .option('--received-at <time>', 'when the request arrived, ISO 8601 (default: now)')
    .option('--verified-by <text>', 'how the requester was verified (a description, never personal data)')
    .option('--as-guardian', 'a guardian acts for a child under 14')
    .option('--operator <name>', 'officer login name (default: $SUNDER_OPERATOR, else the login name)')
    .option('--json', 'print the request as one JSON line')
    .action(async (opts: { kind: RequestKind; subjectId?: string; receivedAt?: string; verifiedBy?: string; asGuardian?: boolean; operator?: string; json?: boolean }, cmd: Command) => {
      const officer = operatorName(opts.operator);
      const r = await withLedger(cmd, true, (l) => l.open({
        kind: opts.kind,
        ...(opts.subjectId === undefined ? {} : { subjectId: opts.subjectId }),
        ...(opts.receivedAt === undefined ? {} : { receivedAt: opts.receivedAt }),
        ...(opts.verifiedBy === undefined ? {} : { verifiedBy: opts.verifiedBy }),
        ...(officer === undefined ? {} : { officer }),
        asGuardian: opts.asGuardian === true,
      }));
      process.stdout.write(opts.json ? JSON.stringify(r) + '\n' : `opened ${r.id}, due ${r.dueAt}\n${requestLine(r)}\n`);
    });
}
