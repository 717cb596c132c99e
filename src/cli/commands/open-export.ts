/** `sunder open-export DIR --identity FILE --out DIR2`: opens a sealed export into a plain one. */
import { Command } from 'commander';
import { openExport } from '../../export/open-export.js';

export function openExportCommand(): Command {
  return new Command('open-export')
    .description('open a sealed export (every file .age) with the recipient\'s age identity into a plain export folder')
    .argument('<dir>', 'the sealed export')
    .requiredOption('--identity <file...>', 'age identity file(s) (AGE-SECRET-KEY-1...)')
    .requiredOption('--out <dir>', 'new or empty folder for the opened export')
    .option('--force', 'replace the contents of a non-empty output folder')
    .action(async (dir: string, opts: { identity: string[]; out: string; force?: boolean }) => {
      const r = await openExport({ dir, identityFiles: opts.identity, out: opts.out, force: opts.force === true });
      process.stdout.write(`opened ${r.files} files into ${r.out}\n`);
    });
}
