/**
 * `sunder access WHO [--out DIR] [--json]`: everything held about a person (identity, consent,
 * records, media, recipients), decrypted with the officer key. With `--out`, `access.json` and
 * the media are written there (a folder to hand to the person) and only counts are printed.
 */
import { Command } from 'commander';
import { checkQuery } from '../../rights/find.js';
import type { CliContext } from '../context.js';
import { queryOf, requestOptionsOf, withIdentifierOptions, withRights, type IdentifierFlags } from './rights-command.js';

export function accessCommand(ctx: CliContext): Command {
  const cmd = new Command('access')
    .description('show everything held about a person (officer key): identity, consent, records, media, recipients')
    .option('--out <dir>', 'write access.json and the media files into this folder (printed: counts only)');
  return withIdentifierOptions(cmd).action(async (opts: IdentifierFlags & { out?: string }) => {
    const query = queryOf(opts);
    checkQuery(query, opts.asGuardian === true);
    const r = await withRights(ctx, opts.operator, (rights) => rights.access(query, { ...requestOptionsOf(opts), ...(opts.out === undefined ? {} : { out: opts.out }) }));
    if (r.report !== undefined) {
      const recs = r.subjects.reduce((n, s) => n + s.records.length, 0);
      process.stdout.write(opts.json === true ? JSON.stringify({ requestId: r.requestId, report: r.report, subjects: r.subjects.length, records: recs, auditSeq: r.auditSeq }) + '\n'
        : `wrote the access report of ${r.subjects.length} subject(s), ${recs} record(s), to ${r.report} (request ${r.requestId}; audit entry ${r.auditSeq})\n`);
    } else {
      process.stdout.write(opts.json === true ? JSON.stringify(r) + '\n' : JSON.stringify(r, null, 2) + '\n');
    }
  });
}
