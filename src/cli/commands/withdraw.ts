/** `sunder withdraw ... [--scopes voice,text] [--erase]`: consent scopes (or all of it) withdrawn from now on. */
import { Command } from 'commander';
import { checkQuery } from '../../rights/find.js';
import type { CliContext } from '../context.js';
import { queryOf, requestOptionsOf, withIdentifierOptions, withRights, type IdentifierFlags } from './rights-command.js';

export function withdrawCommand(ctx: CliContext): Command {
  const cmd = new Command('withdraw')
    .description('withdraw consent: later ingests refuse, and exports leave out, the scopes withdrawn (earlier processing stands unless --erase)')
    .option('--scopes <list>', 'comma-separated scopes to withdraw (voice, image, video, portrait, text); default: the whole consent')
    .option('--erase', 'also erase the person (as `sunder erase`)');
  return withIdentifierOptions(cmd).action(async (opts: IdentifierFlags & { scopes?: string; erase?: boolean }) => {
    const query = queryOf(opts);
    checkQuery(query, opts.asGuardian === true);
    const scopes = opts.scopes?.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const r = await withRights(ctx, opts.operator, (rights) => rights.withdraw(query, {
      ...requestOptionsOf(opts), ...(scopes === undefined ? {} : { scopes }), ...(opts.erase === true ? { erase: true } : {}),
    }));
    if (opts.json === true) process.stdout.write(JSON.stringify(r) + '\n');
    else {
      process.stdout.write(`withdrew ${r.scopes === 'all' ? 'the whole consent' : r.scopes.join(', ')} of ${r.subjects.length} subject(s) for request ${r.requestId}; audit entry ${r.auditSeq}\n`);
      if (r.erased !== undefined) process.stdout.write(`erased ${r.erased.subjects.length} subject(s); ${r.erased.noticeFiles.length} notice(s); audit entry ${r.erased.auditSeq}\n`);
    }
  });
}
