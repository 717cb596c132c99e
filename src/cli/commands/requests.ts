/** `sunder requests [--open] [--overdue] [--json]`: the ledger with days left; overdue requests marked `!` and counted on stderr. */
import type { Command } from 'commander';
import { requestLine, withLedger } from './request-command.js';

export function registerRequests(program: Command): void {
  program
    .command('requests')
    .description('list data-subject requests with the days left to answer them; overdue ones are marked')
    .option('--open', 'only open requests')
    .option('--overdue', 'only open requests past their 30 days')
    .option('--json', 'one JSON request a line (with daysLeft, overdue, late)')
    .action(async (opts: { open?: boolean; overdue?: boolean; json?: boolean }, cmd: Command) => {
      const list = await withLedger(cmd, false, (l) => l.list({ open: opts.open === true, overdue: opts.overdue === true }), { absent: () => [] });
      process.stdout.write(list.map((r) => (opts.json ? JSON.stringify(r) : requestLine(r)) + '\n').join(''));
      const overdue = list.filter((r) => r.overdue).length;
      if (!opts.json && overdue > 0) process.stderr.write(`sunder: ${overdue} request${overdue === 1 ? ' is' : 's are'} overdue (open more than 30 days)\n`);
    });
}
