/** `sunder init`: initialises a brand-new data folder (its stores, the role keys unless they exist, the audit log). */
import { Command } from 'commander';
import { auditKeyExists } from '../../audit/key.js';
import { auditKeysDirOf, initAudit } from '../../audit/open.js';
import { layoutOf } from '../../layout.js';
import type { CliContext } from '../context.js';
import { initDataFolderCommand, type KeyOutOptions } from './keys.js';

export function initCommand(ctx: CliContext): Command {
  return new Command('init')
    .description('initialise a brand-new data folder: its stores, the audit log, and the role keys (ingest, officer, exporter) unless they exist')
    .option('--officer-out <path>', 'write officer.json here (a file, or a folder) instead of the keys folder')
    .option('--exporter-out <path>', 'write exporter.json here (a file, or a folder) instead of the keys folder')
    .action(async (opts: KeyOutOptions) => {
      const print = (line: string) => process.stdout.write(`${line}\n`);
      const layout = layoutOf(ctx.layoutOpts());
      const hadAuditKey = auditKeyExists(auditKeysDirOf(layout));
      await initDataFolderCommand(ctx.layoutOpts(), opts, print);
      // The data folder's first open makes the audit key; initAudit adds the empty log and sidecar.
      await initAudit(layout);
      if (!hadAuditKey) print(`created the audit key ${layout.keysDir}/audit.json and the audit log in ${layout.dataDir}/audit`);
    });
}
