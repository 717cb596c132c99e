#!/usr/bin/env node
/**
 * The `sunder` command. Thin on purpose: every command is a library call that tests make
 * directly; this file only parses arguments, prints, and maps errors to exit codes.
 */
import { Command, Option } from 'commander';
import { createRoleKeys, roleKeysExist } from '../crypto/keys.js';
import { existsSync, statSync } from 'node:fs';
import { isSunderError, SunderError } from '../errors.js';
import { exportDataset } from '../export/export.js';
import { layoutOf } from '../layout.js';
import { Ingestor, type RunSummary } from '../pipeline/ingest.js';
import type { InputFormat } from '../pipeline/sources.js';
import { loadPolicy } from '../record/policy.js';
import { createMediaStep } from '../pipeline/media-step.js';
import { runScan } from './scan.js';
import { migrateDataFolder } from '../migrate/migrate.js';
import { scannerOptionsOf } from '../pipeline/scrub.js';
import { Progress } from './progress.js';

interface GlobalOptions {
  data?: string;
  keys?: string;
}

const program = new Command('sunder')
  .description('Split collected records into a sealed identity vault and pseudonymised, scrubbed, encrypted business objects.')
  .option('--data <dir>', 'data directory of the embedded default', 'sunder-data')
  .option('--keys <dir>', 'folder of the role key files (default: <data>/keys)')
  .showHelpAfterError();

const globals = () => program.opts<GlobalOptions>();
const layoutOpts = () => {
  const g = globals();
  return { ...(g.data === undefined ? {} : { dataDir: g.data }), ...(g.keys === undefined ? {} : { keysDir: g.keys }) };
};

program
  .command('init')
  .description('create the role key files (ingest, officer, exporter), one file per role')
  .action(async () => {
    const layout = layoutOf(layoutOpts());
    if (roleKeysExist(layout.keysDir)) {
      process.stdout.write(`role keys already exist in ${layout.keysDir}\n`);
      return;
    }
    const { files } = await createRoleKeys(layout.keysDir);
    process.stdout.write(`created role keys:\n${files.map((f) => `  ${f}`).join('\n')}\n` +
      'ingestion hosts need only ingest.json; keep officer.json and exporter.json where those roles work.\n');
  });

program
  .command('ingest')
  .description('split, scrub, seal and store records from NDJSON or CSV files')
  .argument('<files...>', 'input files (.csv is CSV, anything else NDJSON; .gz is gunzipped); - reads standard input')
  .addOption(new Option('--format <format>', 'read every input as this format, whatever its name (standard input: default ndjson)').choices(['ndjson', 'csv']))
  .option('--policy <file>', 'policy JSON (field mapping, generalisation, detectors)')
  .option('--media-root <dir>', 'folder media paths are relative to (default: each input file\'s folder; for standard input, the working directory)')
  .option('--json', 'print one JSON summary as the last line of stdout')
  .action(async (files: string[], opts: { format?: InputFormat; policy?: string; mediaRoot?: string; json?: boolean }) => {
    // Before anything is created (keys, a data directory): a typo in a path changes nothing.
    if (files.filter((f) => f === '-').length > 1) throw new SunderError('CONFIG_INVALID', 'standard input (-) can be read only once');
    for (const file of files) {
      if (file === '-') continue;
      if (!existsSync(file) || !statSync(file).isFile()) throw new SunderError('FILE_NOT_FOUND', `input file not found: ${file}`);
    }
    const policy = opts.policy === undefined ? undefined : await loadPolicy(opts.policy);
    const ingestor = await Ingestor.open({
      ...layoutOpts(),
      ...(policy === undefined ? {} : { policy }),
      media: createMediaStep,
      onNotice: (m) => process.stderr.write(`sunder: ${m}\n`),
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
    }
    if (opts.json) process.stdout.write(JSON.stringify(total) + '\n');
  });

program
  .command('export')
  .description('decrypt business objects with the exporter key and write a customer dataset')
  .requiredOption('--out <dir>', 'output folder (manifest.jsonl, media/)')
  .option('--project <name>', 'only this project')
  .option('--json', 'print one JSON summary as the last line of stdout')
  .action(async (opts: { out: string; project?: string; json?: boolean }) => {
    const s = await exportDataset({ ...layoutOpts(), out: opts.out, ...(opts.project === undefined ? {} : { project: opts.project }) });
    process.stdout.write(opts.json ? JSON.stringify(s) + '\n' : `exported ${s.records} records and ${s.media} media files to ${s.manifest} in ${s.elapsedMs} ms\n`);
  });

program
  .command('migrate')
  .description('upgrade a version 1 data folder to version 2 in place (needs all three key files; safe to rerun)')
  .action(async () => {
    const r = await migrateDataFolder(layoutOpts());
    process.stdout.write(r.alreadyCurrent ? 'the data folder is version 2 already\n' : `migrated to version 2: ${JSON.stringify(r)}\n`);
  });

program
  .command('scan')
  .description('find identifiers in text (a file, or - for standard input)')
  .argument('[file]', 'text file; - or nothing reads standard input')
  .addOption(new Option('--json', 'one finding per line: {"kind","start","end","score"}').conflicts('mask'))
  .option('--mask', 'print the text with every identifier masked')
  .option('--policy <file>', 'policy JSON: its detect.disable and detect.recognizers apply, as at ingest')
  .action(async (file: string | undefined, opts: { json?: boolean; mask?: boolean; policy?: string }) => {
    const scanner = opts.policy === undefined ? {} : { scanner: scannerOptionsOf(await loadPolicy(opts.policy)) };
    await runScan({ ...(file === undefined ? {} : { file }), json: opts.json === true, mask: opts.mask === true, stdin: process.stdin, stdout: process.stdout, ...scanner });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (isSunderError(err)) {
    process.stderr.write(`sunder: ${err.message.replace(/^\[sunder\] /, '')} (${err.code})\n`);
    process.exit(2);
  }
  process.stderr.write(`sunder: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(70);
});
