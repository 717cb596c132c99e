/**
 * `sunder incident affected (--export DIR | --objects FILE | --since T --until T [--project P]) --out FILE [--json]`:
 * the notification list of a security incident goes to FILE (0600, officer key); the terminal
 * gets counts only, by project, kind of data and channel, for the regulator's report.
 */
import type { Command } from 'commander';
import { SunderError } from '../../errors.js';
import { incidentAffected, type IncidentReport, type IncidentScope } from '../../rights/incident.js';
import { layoutOfCommand } from './audit-command.js';

interface Opts { export?: string; objects?: string; since?: string; until?: string; project?: string; out: string; operator?: string; json?: boolean }

function scopeOf(o: Opts): IncidentScope {
  const given = [o.export !== undefined, o.objects !== undefined, o.since !== undefined || o.until !== undefined].filter(Boolean).length;
  if (given !== 1) throw new SunderError('CONFIG_INVALID', 'expected exactly one of --export DIR, --objects FILE, or --since T --until T', { path: ['scope'] });
  if (o.project !== undefined && o.since === undefined) throw new SunderError('CONFIG_INVALID', '--project narrows --since/--until only', { path: ['project'] });
  if (o.export !== undefined) return { export: o.export };
  if (o.objects !== undefined) return { objects: o.objects };
  if (o.since === undefined || o.until === undefined) throw new SunderError('CONFIG_INVALID', 'expected both --since and --until', { path: [o.since === undefined ? 'since' : 'until'] });
  return { since: o.since, until: o.until, ...(o.project === undefined ? {} : { project: o.project }) };
}

function text(r: IncidentReport): string {
  const c = r.channels;
  const head = `incident${r.exportId === undefined ? '' : ` (export ${r.exportId})`}: ${r.subjects} subjects affected, ${r.records} records` +
    `${r.unknownObjects ? `; ${r.unknownObjects} listed object ids match nothing` : ''}\n` +
    `  to notify: ${c.email} by email, ${c.phone} by phone, ${c.guardian} through a guardian, ${c.none} with no channel on record\n`;
  const projects = Object.entries(r.byProject).sort(([a], [b]) => a.localeCompare(b)).map(([p, v]) => {
    const media = Object.entries(v.media).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}=${n}`).join(' ');
    return `  project ${p}: ${v.subjects} subjects, ${v.records} records${media === '' ? '' : `, media ${media}`}\n`;
  }).join('');
  return `${head}${projects}notification list written to ${r.out}\n`;
}

export function registerIncident(program: Command): void {
  const incident = program.commands.find((c) => c.name() === 'incident')
    ?? program.command('incident').description('security incidents (policy section 2): who is affected, for notifications and the regulator');
  incident
    .command('affected')
    .description('find the subjects an exposed export, object ids or period touched; write their notification list to --out (officer key); print counts only')
    .option('--export <dir>', 'an exposed export folder (found in the disclosure ledger by its export id or manifest hash)')
    .option('--objects <file>', 'a file of exposed object ids, one a line (recipient-scoped ids from the ledger, or vault object ids)')
    .option('--since <time>', 'records stored at or after this ISO 8601 time')
    .option('--until <time>', 'records stored before this ISO 8601 time')
    .option('--project <name>', 'with --since/--until: only this project')
    .requiredOption('--out <file>', 'where the notification list goes (created 0600; never overwritten)')
    .option('--operator <name>', 'officer login name (default: $SUNDER_OPERATOR, else the login name)')
    .option('--json', 'print the counts as one JSON line')
    .action(async (opts: Opts, cmd: Command) => {
      const scope = scopeOf(opts);
      const layout = layoutOfCommand(cmd);
      const report = await incidentAffected({ dataDir: layout.dataDir, keysDir: layout.keysDir, scope, out: opts.out, ...(opts.operator === undefined ? {} : { operator: opts.operator }) });
      process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : text(report));
    });
}
