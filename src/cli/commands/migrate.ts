/** `sunder migrate`: upgrades a version 1 data folder to version 2 in place (resumable). */
import { Command } from 'commander';
import { migrateDataFolder } from '../../migrate/migrate.js';
import type { CliContext } from '../context.js';

export function migrateCommand(ctx: CliContext): Command {
  return new Command('migrate')
    .description('upgrade a version 1 data folder to version 2 in place (needs all three key files; safe to rerun)')
    .action(async () => {
      const r = await migrateDataFolder(ctx.layoutOpts());
      process.stdout.write(r.alreadyCurrent ? 'the data folder is version 2 already\n' : `migrated to version 2: ${JSON.stringify(r)}\n`);
    });
}
