/** `sunder request close ID [--refused] [--result TEXT]` (alias `answer`): marks a request answered now. */
import type { Command } from 'commander';
import { operatorName } from '../../audit/open.js';
import { noSuchRequest, requestCommand, requestLine, withLedger } from './request-command.js';

export function registerRequestClose(program: Command): void {
  requestCommand(program)
    .command('close')
    .alias('answer')
    .description('mark an open request answered: done, or refused (policy 3.6 allows refusing some requests)')
    .argument('<id>', 'request id (R-YYYYMMDD-xxxxxx)')
    .option('--refused', 'the request was refused, not carried out')
    .option('--result <text>', 'what was done or why it was refused (a description, never personal data)')
    .option('--operator <name>', 'officer login name (default: $SUNDER_OPERATOR, else the login name)')
    .option('--json', 'print the request as one JSON line')
    .action(async (id: string, opts: { refused?: boolean; result?: string; operator?: string; json?: boolean }, cmd: Command) => {
      const officer = operatorName(opts.operator);
      const r = await withLedger(cmd, true, (l) => l.answer(id, {
        status: opts.refused ? 'refused' : 'done',
        ...(opts.result === undefined ? {} : { result: opts.result }),
        ...(officer === undefined ? {} : { officer }),
      }), { absent: noSuchRequest });
      process.stdout.write(opts.json ? JSON.stringify(r) + '\n' : `${r.status === 'done' ? 'closed' : 'refused'} ${r.id}\n${requestLine(r)}\n`);
    });
}
