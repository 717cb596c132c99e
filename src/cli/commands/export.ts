/** `sunder export`: decrypts business objects with the exporter key into a customer dataset. */
import { Command, Option } from 'commander';
import { openConfiguredBackends } from '../../config/open.js';
import { exportDataset } from '../../export/export.js';
import { parseSize } from '../../export/sinks/open-sink.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../export/sinks/sink.js';
import { loadPolicy } from '../../record/policy.js';
import { SunderError } from '../../errors.js';
import type { CliContext } from '../context.js';

interface ExportCliOptions {
  out: string;
  force?: boolean;
  project?: string;
  recipient?: string;
  scopes?: string;
  jurisdiction?: string;
  k?: string;
  generalise?: string;
  policy?: string;
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
    .option('--recipient <name>', 'the registered recipient (required once any is registered: `sunder recipient list`)')
    .option('--scopes <list>', 'consent scopes to carry, e.g. voice,text (fields needing others are dropped; default: all)')
    .option('--jurisdiction <cc>', 'country the data goes to (default: the recipient\'s); outside the collection\'s, only cross-border consent goes')
    .option('--k <n>', 'every class of exported quasi-identifiers holds at least n subjects, with earlier deliveries to the recipient (default: policy export.k)')
    .option('--generalise <spec>', 'where generalisation starts: age=N|none, province=keep|region|none, gender=keep|none, birthYear=keep|none (comma-separated)')
    .option('--policy <file>', 'policy JSON (detectors and mask operators of the re-scan, export section)')
    .option('--json', 'print one JSON summary as the last line of stdout')
    .action(async (opts: ExportCliOptions) => {
      if (opts.k !== undefined && !/^\d{1,4}$/.test(opts.k)) throw new SunderError('CONFIG_INVALID', '--k: expected a whole number', { path: ['k'] });
      const shardSize = parseSize(opts.shardSize);
      const policyFile = opts.policy ?? ctx.config().policy?.value;
      const policy = policyFile === undefined ? undefined : await loadPolicy(policyFile);
      const backends = await openConfiguredBackends(ctx.backendFlags(), ctx.storeEnv());
      const { vault, keystore, store } = backends;
      const s = await exportDataset({
        ...ctx.layoutOpts(), out: opts.out, force: opts.force === true, format: opts.format, shardSize,
        ...(opts.project === undefined ? {} : { project: opts.project }),
        ...(opts.sealTo === undefined ? {} : { sealTo: opts.sealTo }),
        ...(opts.indexKey === undefined ? {} : { indexKeyFile: opts.indexKey }),
        ...(opts.recipient === undefined ? {} : { recipient: opts.recipient }),
        ...(opts.scopes === undefined ? {} : { scopes: opts.scopes.split(',').map((x) => x.trim()).filter((x) => x !== '') }),
        ...(opts.jurisdiction === undefined ? {} : { jurisdiction: opts.jurisdiction }),
        ...(opts.k === undefined ? {} : { k: Number(opts.k) }),
        ...(opts.generalise === undefined ? {} : { generalise: opts.generalise }),
        ...(policy === undefined ? {} : { policy }),
        ...(vault === undefined ? {} : { vault }),
        ...(keystore === undefined ? {} : { keystore }),
        ...(store === undefined ? {} : { store }),
      }).finally(() => backends.close());
      const excluded = Object.entries(s.excluded).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`).join(', ');
      process.stdout.write(opts.json ? JSON.stringify(s) + '\n'
        : `exported ${s.records} records and ${s.media} media files${s.recipient === null ? '' : ` for ${s.recipient}`} to ${s.manifest} in ${s.elapsedMs} ms` +
          ` (${s.files} files signed, leak check over ${s.leakCheck.lines} lines)` +
          `${excluded === '' ? '' : `; left out: ${excluded}`}` +
          `${s.kAnonymity.k > 1 ? `; k=${s.kAnonymity.k}: smallest class ${s.kAnonymity.smallestClass}, ${s.kAnonymity.generalised} generalised, ${s.kAnonymity.suppressed} suppressed` : ''}\n`);
    });
}
