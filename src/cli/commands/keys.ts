/**
 * `sunder init` and `sunder keys`: the only ways, besides the first ingest into a brand-new
 * folder, that role keys or a data folder come to exist. The officer's and exporter's secrets
 * can be written straight to where those roles work (`--officer-out`, `--exporter-out`), so the
 * ingest host ends up holding only ingest.json.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { createRoleKeys } from '../../crypto/keys.js';
import { ensureSigningKey, signingPublicPath } from '../../export/signing-key.js';
import { SunderError } from '../../errors.js';
import { layoutOf } from '../../layout.js';
import { inspectDataFolder } from '../../pipeline/data-folder.js';
import { Ingestor } from '../../pipeline/ingest.js';

export interface KeyOutOptions {
  /** File (or folder for `officer.json`) for the officer's key file. @default "<keys>/officer.json" */
  officerOut?: string;
  /** File (or folder for `exporter.json`) for the exporter's key file. @default "<keys>/exporter.json" */
  exporterOut?: string;
}

const ALL_LOCAL = { vault: true, keystore: true, objects: true };

/** Initialises a brand-new data folder (stores, and role keys unless they exist); a complete one is left as it is. */
export async function initDataFolderCommand(where: { dataDir?: string; keysDir?: string }, opts: KeyOutOptions, print: (line: string) => void): Promise<void> {
  const layout = layoutOf(where);
  // Inspected again under the writer lock by Ingestor.open; here only to say "already done".
  if (existsSync(layout.dataDir) && inspectDataFolder(layout, ALL_LOCAL).kind === 'complete') {
    if (opts.officerOut !== undefined || opts.exporterOut !== undefined) {
      throw new SunderError('CONFIG_INVALID', `the data folder ${layout.dataDir} is initialised already, so --officer-out and --exporter-out ` +
        'have nothing to write; key files are made only once', { path: [opts.officerOut !== undefined ? '--officer-out' : '--exporter-out'] });
    }
    print(`the data folder ${layout.dataDir} is initialised already; nothing changed`);
    return;
  }
  const keyFiles = { ...(opts.officerOut === undefined ? {} : { officer: opts.officerOut }), ...(opts.exporterOut === undefined ? {} : { exporter: opts.exporterOut }) };
  const ingestor = await Ingestor.open({ ...where, keyFiles, onNotice: print, workers: 0 });
  await ingestor.close();
  print(`initialised the data folder ${layout.dataDir} (keys: ${layout.keysDir})`);
}

/** Creates the three role key files only, refusing to overwrite any. */
async function createKeys(where: { dataDir?: string; keysDir?: string }, opts: KeyOutOptions & { ingestOut?: string }, print: (line: string) => void): Promise<void> {
  const layout = layoutOf(where);
  const { files } = await createRoleKeys(layout.keysDir, {
    ...(opts.ingestOut === undefined ? {} : { ingest: opts.ingestOut }),
    ...(opts.officerOut === undefined ? {} : { officer: opts.officerOut }),
    ...(opts.exporterOut === undefined ? {} : { exporter: opts.exporterOut }),
  });
  // The export signing key lives beside the exporter key (the export would make it otherwise).
  const exporterDir = dirname(files.find((f) => f.endsWith('exporter.json')) ?? join(layout.keysDir, 'exporter.json'));
  if (await ensureSigningKey(exporterDir)) files.push(signingPublicPath(exporterDir));
  print(`created role keys:\n${files.map((f) => `  ${f}`).join('\n')}\n` +
    'ingestion hosts need only ingest.json; keep officer.json and exporter.json where those roles work.');
}

const print = (line: string) => process.stdout.write(`${line}\n`);

export function keysCommand(ctx: CliContext): Command {
  return new Command('keys')
    .description('create the three role key files only (refuses to overwrite any)')
    .option('--ingest-out <path>', 'write ingest.json here (a file, or a folder) instead of the keys folder')
    .option('--officer-out <path>', 'write officer.json here (a file, or a folder) instead of the keys folder')
    .option('--exporter-out <path>', 'write exporter.json here (a file, or a folder) instead of the keys folder')
    .action((opts: KeyOutOptions & { ingestOut?: string }) => createKeys(ctx.layoutOpts(), opts, print));
}
