/** `sunder init`: creates the role key files, one per role. */
import { Command } from 'commander';
import { createRoleKeys, roleKeysExist } from '../../crypto/keys.js';
import { initAudit } from '../../audit/open.js';
import { layoutOf } from '../../layout.js';
import type { CliContext } from '../context.js';

export function initCommand(ctx: CliContext): Command {
  return new Command('init')
    .description('create the role key files (ingest, officer, exporter), one file per role')
    .action(async () => {
      const layout = layoutOf(ctx.layoutOpts());
      if (await initAudit(layout)) process.stdout.write(`created the audit key ${layout.keysDir}/audit.json and the audit log in ${layout.dataDir}/audit\n`);
      if (roleKeysExist(layout.keysDir)) {
        process.stdout.write(`role keys already exist in ${layout.keysDir}\n`);
        return;
      }
      const { files } = await createRoleKeys(layout.keysDir);
      process.stdout.write(`created role keys:\n${files.map((f) => `  ${f}`).join('\n')}\n` +
        'ingestion hosts need only ingest.json; keep officer.json and exporter.json where those roles work.\n');
    });
}
