/** `sunder purge --expired --policy FILE [--dry-run]`: erases records past their project's retention period. */
import { Command } from 'commander';
import { SunderError } from '../../errors.js';
import { loadPolicy } from '../../record/policy.js';
import type { CliContext } from '../context.js';
import { withRights } from './rights-command.js';

export function purgeCommand(ctx: CliContext): Command {
  return new Command('purge')
    .description('erase records past the retention period their project has in the policy, with notices to recipients')
    .option('--expired', 'purge what the policy\'s retention periods have passed (required: the only kind of purge)')
    .requiredOption('--policy <file>', 'policy JSON with `retention` (days by project, `*` for the rest)')
    .option('--dry-run', 'count what would be purged; change nothing')
    .option('--operator <name>', 'officer login name (default: $SUNDER_OPERATOR, else the login name)')
    .option('--json', 'print the result as one JSON line')
    .action(async (opts: { expired?: boolean; policy: string; dryRun?: boolean; operator?: string; json?: boolean }) => {
      if (opts.expired !== true) throw new SunderError('CONFIG_INVALID', 'expected --expired: purge erases only what the retention periods have passed', { path: ['expired'] });
      const policy = await loadPolicy(opts.policy);
      const r = await withRights(ctx, opts.operator, (rights) => rights.purge(policy, { dryRun: opts.dryRun === true }));
      if (opts.json === true) process.stdout.write(JSON.stringify(r) + '\n');
      else {
        const lines = r.projects.map((p) => `  ${p.project}: ${p.records} record(s) collected before ${p.before} (${p.days} days)`);
        process.stdout.write(`${r.dryRun ? 'would purge' : 'purged'} ${r.records} record(s); ${r.subjectsErased} subject(s) left with none ${r.dryRun ? 'would be' : 'were'} erased\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}` +
          r.noticeFiles.map((f) => `notice: ${f}\n`).join(''));
      }
    });
}
