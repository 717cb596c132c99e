/** `sunder ingest`: split, scrub, seal and store records from NDJSON or CSV files or stdin. */
import { existsSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { SunderError } from '../../errors.js';
import { Ingestor, type RunSummary } from '../../pipeline/ingest.js';
import { createMediaStep } from '../../pipeline/media-step.js';
import type { InputFormat } from '../../pipeline/sources.js';
import { INPUT_ENCODINGS, loadPolicy, type InputEncoding, type PolicyInput } from '../../record/policy.js';
import { openConfiguredBackends } from '../../config/open.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { Progress } from '../progress.js';

interface IngestCliOptions {
  format?: InputFormat;
  encoding?: InputEncoding;
  policy?: string;
  mediaRoot?: string;
  json?: boolean;
  officerOut?: string;
  exporterOut?: string;
  maxMediaBytes?: string;
  maxMediaPixels?: string;
}

/** A positive whole number from a flag; the policy's own bounds are checked by parsePolicy. */
function positiveInteger(flag: string, text: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new SunderError('CONFIG_INVALID', `${flag}: expected a positive whole number`, { path: [flag] });
  }
  return Number(text);
}

/** The policy with the media-limit flags over its `input` section (flag > policy > default). */
function withMediaLimits(policy: PolicyInput | undefined, opts: IngestCliOptions): PolicyInput | undefined {
  const limits = {
    ...(opts.maxMediaBytes === undefined ? {} : { maxMediaBytes: positiveInteger('--max-media-bytes', opts.maxMediaBytes) }),
    ...(opts.maxMediaPixels === undefined ? {} : { maxMediaPixels: positiveInteger('--max-media-pixels', opts.maxMediaPixels) }),
  };
  if (Object.keys(limits).length === 0) return policy;
  return { ...policy, input: { ...policy?.input, ...limits } };
}

export function ingestCommand(ctx: CliContext): Command {
  return new Command('ingest')
    .description('split, scrub, seal and store records from NDJSON or CSV files')
    .argument('<files...>', 'input files (.csv is CSV, anything else NDJSON; .gz is gunzipped); - reads standard input')
    .addOption(new Option('--format <format>', 'read every input as this format, whatever its name (standard input: default ndjson)').choices(['ndjson', 'csv']))
    .addOption(new Option('--encoding <encoding>', 'character encoding of the input files (default: the policy\'s input.encoding, else utf-8)').choices([...INPUT_ENCODINGS]))
    .option('--policy <file>', 'policy JSON (field mapping, generalisation, detectors)')
    .option('--media-root <dir>', 'folder media paths are relative to (default: each input file\'s folder; for standard input, the working directory)')
    .option('--json', 'print one JSON summary as the last line of stdout')
    .option('--max-media-bytes <n>', 'reject a media file larger than this (MEDIA_TOO_LARGE); default: the policy\'s input.maxMediaBytes, else 4 GiB')
    .option('--max-media-pixels <n>', 'reject an image declaring more pixels (MEDIA_TOO_MANY_PIXELS); default: the policy\'s input.maxMediaPixels, else 268402689')
    .option('--officer-out <path>', 'first ingest of a brand-new folder only: write officer.json here (a file, or a folder) instead of the keys folder')
    .option('--exporter-out <path>', 'first ingest of a brand-new folder only: write exporter.json here (a file, or a folder) instead of the keys folder')
    .action(async (files: string[], opts: IngestCliOptions) => {
      // Before anything is created (keys, a data directory): a typo in a path changes nothing.
      if (files.filter((f) => f === '-').length > 1) throw new SunderError('CONFIG_INVALID', 'standard input (-) can be read only once');
      for (const file of files) {
        if (file === '-') continue;
        if (!existsSync(file) || !statSync(file).isFile()) throw new SunderError('FILE_NOT_FOUND', `input file not found: ${file}`);
      }
      // --policy, else the configured policy file (SUNDER_POLICY or the config file's `policy`).
      const policyFile = opts.policy ?? ctx.config().policy?.value;
      const policy = withMediaLimits(policyFile === undefined ? undefined : await loadPolicy(policyFile), opts);
      const backends = await openConfiguredBackends(ctx.backendFlags(), ctx.storeEnv());
      const { vault, keystore, store } = backends;
      const ingestor = await Ingestor.open({
        ...ctx.layoutOpts(),
        ...(policy === undefined ? {} : { policy }),
        ...(vault === undefined ? {} : { vault }),
        ...(keystore === undefined ? {} : { keystore }),
        ...(store === undefined ? {} : { store }),
        media: createMediaStep,
        keyFiles: { ...(opts.officerOut === undefined ? {} : { officer: opts.officerOut }), ...(opts.exporterOut === undefined ? {} : { exporter: opts.exporterOut }) },
        onNotice: (m) => process.stderr.write(`sunder: ${m}\n`),
      }).catch(async (err: unknown) => {
        await backends.close().catch(() => undefined);
        throw err;
      });
      const total: Omit<RunSummary, 'runId' | 'outcomesFile'> & { runs: string[]; outcomesFiles: string[] } = {
        records: 0, stored: 0, rejected: 0, duplicates: 0, subjects: 0, detections: {}, rejections: {}, elapsedMs: 0, runs: [], outcomesFiles: [],
      };
      try {
        for (const file of files) {
          const progress = new Progress(`ingest ${file}`);
          const started = Date.now();
          const where = {
            ...(opts.mediaRoot === undefined ? {} : { mediaRoot: opts.mediaRoot }),
            ...(opts.format === undefined ? {} : { format: opts.format }),
            ...(opts.encoding === undefined ? {} : { encoding: opts.encoding }),
          };
          const run = file === '-' ? ingestor.ingestStream(process.stdin, { format: 'ndjson', ...where }) : ingestor.ingestFile(file, where);
          const s = await run.done(() => progress.update(run.progress, started));
          progress.done();
          for (const k of ['records', 'stored', 'rejected', 'duplicates', 'subjects', 'elapsedMs'] as const) total[k] += s[k];
          for (const [k, n] of Object.entries(s.detections)) total.detections[k] = (total.detections[k] ?? 0) + n;
          for (const [k, n] of Object.entries(s.rejections)) total.rejections[k] = (total.rejections[k] ?? 0) + n;
          total.runs.push(s.runId);
          total.outcomesFiles.push(s.outcomesFile);
          if (!opts.json) {
            const codes = Object.entries(s.rejections).map(([c, n]) => `${c} ${n}`).join(', ');
            process.stdout.write(`${file}: ${s.records} records: stored ${s.stored}, duplicates ${s.duplicates}, rejected ${s.rejected}` +
              `${codes ? ` (${codes})` : ''}; ${s.subjects} new subjects; ${s.elapsedMs} ms\n  outcomes: ${s.outcomesFile}\n`);
          }
        }
      } finally {
        await ingestor.close();
        await backends.close();
      }
      if (opts.json) process.stdout.write(JSON.stringify(total) + '\n');
      // Every record has its outcome, but not every record is stored: say so to a script.
      if (total.rejected > 0) process.exitCode = EXIT.REJECTED;
    });
}
