/** `sunder compact`: rewrites segments that hold dead (erased, purged) records; deletes old segments and dead media. */
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { withRights } from './rights-command.js';

export function compactCommand(ctx: CliContext): Command {
  return new Command('compact')
    .description('rewrite the segments that hold erased or purged records, one at a time, and delete the old objects and dead media')
    .option('--operator <name>', 'officer login name (default: $SUNDER_OPERATOR, else the login name)')
    .option('--json', 'print the result as one JSON line')
    .action(async (opts: { operator?: string; json?: boolean }) => {
      const r = await withRights(ctx, opts.operator, (rights) => rights.compact());
      process.stdout.write(opts.json === true ? JSON.stringify(r) + '\n'
        : `rewrote ${r.segmentsRewritten} segment(s) (${r.recordsKept} live records kept), deleted ${r.segmentsDeleted} empty segment(s) and ${r.mediaDeleted} media object(s): ${r.bytesBefore} -> ${r.bytesAfter} bytes\n`);
    });
}
