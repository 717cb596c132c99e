/**
 * `sunder migrate`: upgrades a version 1 data folder to version 2 in place (resumable), and
 * applies the schema migrations of PostgreSQL stores named by --vault/--keystore (or
 * SUNDER_VAULT/SUNDER_KEYSTORE); `--dry-run` lists those without applying them.
 */
import { Command } from 'commander';
import { configuredBackendUrl } from '../../config/backend-url.js';
import { SunderError } from '../../errors.js';
import { migrateDataFolder } from '../../migrate/migrate.js';
import { migratePostgres } from '../../migrate/postgres.js';
import type { CliContext } from '../context.js';

export function migrateCommand(ctx: CliContext): Command {
  return new Command('migrate')
    .description('upgrade a version 1 data folder to version 2 in place (needs all three key files; safe to rerun), or apply the schema migrations of PostgreSQL stores')
    .option('--dry-run', 'PostgreSQL stores: list the migrations that would be applied, change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const flags = ctx.backendFlags();
      const vault = configuredBackendUrl(flags.vault, '--vault');
      const keystore = configuredBackendUrl(flags.keystore, '--keystore');
      const pgUrls = {
        ...(vault?.kind === 'postgres' ? { vault: vault.connectionString } : {}),
        ...(keystore?.kind === 'postgres' ? { keystore: keystore.connectionString } : {}),
      };
      if (pgUrls.vault === undefined && pgUrls.keystore === undefined) {
        if (opts.dryRun) throw new SunderError('CONFIG_INVALID', '--dry-run lists PostgreSQL schema migrations: name a postgres: --vault or --keystore');
        const r = await migrateDataFolder(ctx.layoutOpts());
        process.stdout.write(r.alreadyCurrent ? 'the data folder is version 2 already\n' : `migrated to version 2: ${JSON.stringify(r)}\n`);
        return;
      }
      const reports = await migratePostgres(pgUrls, { dryRun: opts.dryRun === true });
      if (opts.json) {
        process.stdout.write(JSON.stringify(reports) + '\n');
        return;
      }
      for (const r of reports) {
        const names = r.pending.map((m) => `${m.version} (${m.name})`).join(', ');
        process.stdout.write(r.pending.length === 0
          ? `${r.store}: schema up to date (version ${Math.max(0, ...r.applied)})\n`
          : `${r.store}: ${r.dryRun ? 'would apply' : 'applied'} ${names}\n`);
      }
    });
}
