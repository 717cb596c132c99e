/** `sunder export`: decrypts business objects with the exporter key into a customer dataset. */
import { Command } from 'commander';
import { openConfiguredBackends } from '../../config/open.js';
import { exportDataset } from '../../export/export.js';
import type { CliContext } from '../context.js';

interface ExportCliOptions {
  out: string;
  force?: boolean;
  project?: string;
  json?: boolean;
}

export function exportCommand(ctx: CliContext): Command {
  return new Command('export')
    .description('decrypt business objects with the exporter key and write a customer dataset')
    .requiredOption('--out <dir>', 'output folder (manifest.jsonl, media/): new or empty; written beside it and moved into place when complete')
    .option('--force', 'replace the contents of a non-empty output folder (once the new export is complete)')
    .option('--project <name>', 'only this project')
    .option('--json', 'print one JSON summary as the last line of stdout')
    .action(async (opts: ExportCliOptions) => {
      const backends = await openConfiguredBackends(ctx.backendFlags());
      const { vault, keystore, store } = backends;
      const s = await exportDataset({
        ...ctx.layoutOpts(), out: opts.out, force: opts.force === true,
        ...(opts.project === undefined ? {} : { project: opts.project }),
        ...(vault === undefined ? {} : { vault }),
        ...(keystore === undefined ? {} : { keystore }),
        ...(store === undefined ? {} : { store }),
      }).finally(() => backends.close());
      process.stdout.write(opts.json ? JSON.stringify(s) + '\n' : `exported ${s.records} records and ${s.media} media files to ${s.manifest} in ${s.elapsedMs} ms\n`);
    });
}
