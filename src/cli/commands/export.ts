/** `sunder export`: decrypts business objects with the exporter key into a customer dataset. */
import { Command, Option } from 'commander';
import { openConfiguredBackends } from '../../config/open.js';
import { exportDataset } from '../../export/export.js';
import { parseSize } from '../../export/sinks/open-sink.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../export/sinks/sink.js';
import type { CliContext } from '../context.js';

interface ExportCliOptions {
  out: string;
  force?: boolean;
  project?: string;
  json?: boolean;
  format: ExportFormat;
  shardSize: string;
  sealTo?: string;
  indexKey?: string;
}

export function exportCommand(ctx: CliContext): Command {
  return new Command('export')
    .description('decrypt business objects with the exporter key and write a customer dataset')
    .requiredOption('--out <dir>', 'output folder (manifest.jsonl, media/): new or empty; written beside it and moved into place when complete')
    .option('--force', 'replace the contents of a non-empty output folder (once the new export is complete)')
    .option('--project <name>', 'only this project')
    .addOption(new Option('--format <format>', 'manifest (manifest.jsonl + media/) or webdataset (tar shards)').choices(EXPORT_FORMATS).default('manifest'))
    .option('--shard-size <size>', 'webdataset shard size (e.g. 1GB, 512MiB)', '1GB')
    .option('--seal-to <recipient>', 'seal every file to this age X25519 recipient (age1...); opened with `age -d` or `sunder open-export`')
    .option('--index-key <file>', 'key file holding the index key for the leak check (default: the exporter key file, else <keys>/ingest.json)')
    .option('--json', 'print one JSON summary as the last line of stdout')
    .action(async (opts: ExportCliOptions) => {
      const shardSize = parseSize(opts.shardSize);
      const backends = await openConfiguredBackends(ctx.backendFlags(), ctx.storeEnv());
      const { vault, keystore, store } = backends;
      const s = await exportDataset({
        ...ctx.layoutOpts(), out: opts.out, force: opts.force === true, format: opts.format, shardSize,
        ...(opts.project === undefined ? {} : { project: opts.project }),
        ...(opts.sealTo === undefined ? {} : { sealTo: opts.sealTo }),
        ...(opts.indexKey === undefined ? {} : { indexKeyFile: opts.indexKey }),
        ...(vault === undefined ? {} : { vault }),
        ...(keystore === undefined ? {} : { keystore }),
        ...(store === undefined ? {} : { store }),
      }).finally(() => backends.close());
      process.stdout.write(opts.json ? JSON.stringify(s) + '\n' : `exported ${s.records} records and ${s.media} media files to ${s.manifest} in ${s.elapsedMs} ms (${s.files} files signed, leak check over ${s.leakCheck.lines} lines)\n`);
    });
}
