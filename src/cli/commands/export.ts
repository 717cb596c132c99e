/** `sunder export`: decrypts business objects with the exporter key into a customer dataset. */
import { Command } from 'commander';
import { openConfiguredStore } from '../../config/store-url.js';
import { exportDataset } from '../../export/export.js';
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
}

export function exportCommand(ctx: CliContext): Command {
  return new Command('export')
    .description('decrypt business objects with the exporter key and write a customer dataset')
    .requiredOption('--out <dir>', 'output folder (manifest.jsonl, media/): new or empty; written beside it and moved into place when complete')
    .option('--force', 'replace the contents of a non-empty output folder (once the new export is complete)')
    .option('--project <name>', 'only this project')
    .option('--recipient <name>', 'the registered recipient (required once any is registered: `sunder recipient list`)')
    .option('--scopes <list>', 'consent scopes to carry, e.g. voice,text (fields needing others are dropped; default: all)')
    .option('--jurisdiction <cc>', 'country the data goes to (default: the recipient\'s); outside the collection\'s, only cross-border consent goes')
    .option('--k <n>', 'every class of exported quasi-identifiers holds at least n subjects, with earlier deliveries to the recipient (default: policy export.k)')
    .option('--generalise <spec>', 'where generalisation starts: age=N|none, province=keep|region|none, gender=keep|none, birthYear=keep|none (comma-separated)')
    .option('--policy <file>', 'policy JSON (detectors and mask operators of the re-scan, export section)')
    .option('--json', 'print one JSON summary as the last line of stdout')
    .action(async (opts: ExportCliOptions) => {
      if (opts.k !== undefined && !/^\d{1,4}$/.test(opts.k)) throw new SunderError('CONFIG_INVALID', '--k: expected a whole number', { path: ['k'] });
      const policy = opts.policy === undefined ? undefined : await loadPolicy(opts.policy);
      const store = await openConfiguredStore(ctx.storeUrl());
      const s = await exportDataset({
        ...ctx.layoutOpts(), out: opts.out, force: opts.force === true,
        ...(opts.project === undefined ? {} : { project: opts.project }),
        ...(opts.recipient === undefined ? {} : { recipient: opts.recipient }),
        ...(opts.scopes === undefined ? {} : { scopes: opts.scopes.split(',').map((x) => x.trim()).filter((x) => x !== '') }),
        ...(opts.jurisdiction === undefined ? {} : { jurisdiction: opts.jurisdiction }),
        ...(opts.k === undefined ? {} : { k: Number(opts.k) }),
        ...(opts.generalise === undefined ? {} : { generalise: opts.generalise }),
        ...(policy === undefined ? {} : { policy }),
        ...(store === undefined ? {} : { store }),
      }).finally(() => store?.close?.());
      const excluded = Object.entries(s.excluded).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`).join(', ');
      process.stdout.write(opts.json ? JSON.stringify(s) + '\n'
        : `exported ${s.records} records and ${s.media} media files${s.recipient === null ? '' : ` for ${s.recipient}`} to ${s.manifest} in ${s.elapsedMs} ms` +
          `${excluded === '' ? '' : `; left out: ${excluded}`}` +
          `${s.kAnonymity.k > 1 ? `; k=${s.kAnonymity.k}: smallest class ${s.kAnonymity.smallestClass}, ${s.kAnonymity.generalised} generalised, ${s.kAnonymity.suppressed} suppressed` : ''}\n`);
    });
}
