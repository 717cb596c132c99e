/** `sunder verify-export DIR`: signature, every file's hash, and the leak check; non-zero exit on any problem. */
import { Command } from 'commander';
import { SunderError } from '../../errors.js';
import { verifyExport } from '../../export/verify-export.js';
import type { CliContext } from '../context.js';

interface VerifyCliOptions {
  publicKey?: string;
  identity?: string[];
  leakCheck: boolean;
  indexKey?: string;
  json?: boolean;
}

export function verifyExportCommand(ctx: CliContext): Command {
  return new Command('verify-export')
    .description('check an export: its SHA256SUMS signature, every file\'s hash, and the leak check on every line or sample')
    .argument('<dir>', 'the export folder')
    .option('--public-key <file>', 'the export signing public key (default: <keys>/signing.pub)')
    .option('--identity <file...>', 'age identity file(s), for a sealed export')
    .option('--no-leak-check', 'skip the leak check (a host without the vault)')
    .option('--index-key <file>', 'key file holding the index key for the leak check')
    .option('--json', 'print the report as one JSON line')
    .action(async (dir: string, opts: VerifyCliOptions) => {
      const report = await verifyExport({
        ...ctx.layoutOpts(), dir, skipLeakCheck: !opts.leakCheck,
        ...(opts.publicKey === undefined ? {} : { publicKeyFile: opts.publicKey }),
        ...(opts.identity === undefined ? {} : { identityFiles: opts.identity }),
        ...(opts.indexKey === undefined ? {} : { indexKeyFile: opts.indexKey }),
      });
      if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
      else if (report.ok) {
        process.stdout.write(`export ${dir} verified: ${report.format}${report.sealed ? ', sealed' : ''}, ${report.files} files match SHA256SUMS signed by ${report.signedBy}` +
          `${report.leakCheck === undefined ? ', leak check skipped' : `, leak check clean over ${report.leakCheck.lines} lines`}\n`);
      } else {
        for (const p of report.problems) process.stderr.write(`sunder: ${p.message} (${p.code})\n`);
      }
      if (!report.ok) {
        const first = report.problems[0]!;
        throw new SunderError(first.code, `the export ${dir} failed verification: ${report.problems.length} problem(s), the first: ${first.message}`);
      }
    });
}
