/** `sunder find (--id-number N | ...) [--as-guardian]`: which subject(s) an identifier names, by id and pseudonym only. */
import { Command } from 'commander';
import { checkQuery } from '../../rights/find.js';
import type { CliContext } from '../context.js';
import { queryOf, withRights, type IdentifierFlags } from './rights-command.js';

export function findCommand(ctx: CliContext): Command {
  return new Command('find')
    .description('find the subject an identifier names (prints the subject id, pseudonym, status and record count; never identity data)')
    .option('--id-number <n>', 'the person\'s resident ID number')
    .option('--phone <p>', 'the person\'s phone number')
    .option('--email <e>', 'the person\'s email address')
    .option('--pseudonym <x>', 'the vault pseudonym (p_...)')
    .option('--subject-id <s>', 'the subject id (32 hex digits)')
    .option('--as-guardian', 'the identifier is the guardian\'s own: list the children recorded with that guardian')
    .option('--operator <name>', 'officer login name (default: $SUNDER_OPERATOR, else the login name)')
    .option('--json', 'print the result as one JSON line')
    .action(async (opts: IdentifierFlags) => {
      const query = queryOf(opts);
      checkQuery(query, opts.asGuardian === true);
      const r = await withRights(ctx, opts.operator, (rights) => rights.find(query, { asGuardian: opts.asGuardian === true }));
      process.stdout.write(opts.json === true ? JSON.stringify(r) + '\n'
        : r.subjects.map((s) => `${s.subjectId}  ${s.pseudonym}  ${s.status}  ${s.records} record(s)\n`).join(''));
    });
}
