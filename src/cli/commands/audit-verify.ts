/** `sunder audit verify [--against CHECKPOINT] [--json]`: walks the chain; exit 1 and the first broken entry when it is broken. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SunderError } from '../../errors.js';
import { auditDirOf, openAuditLog } from '../../audit/open.js';
import { auditCommand, layoutOfCommand } from './audit-command.js';

export function registerAuditVerify(program: Command): void {
  auditCommand(program)
    .command('verify')
    .description('check every entry of the audit log against its MAC chain and sidecar; exit 1 at the first broken entry')
    .option('--against <file>', 'signed checkpoints (from `sunder audit checkpoint`, one or several appended) the log must still extend: checked by RFC 6962 consistency proofs')
    .option('--json', 'print the report as one JSON line')
    .action(async (opts: { against?: string; json?: boolean }, cmd: Command) => {
      const layout = layoutOfCommand(cmd);
      const against = opts.against === undefined ? undefined : await readFile(opts.against, 'utf8').catch(() => {
        throw new SunderError('FILE_NOT_FOUND', `checkpoint file not found: ${opts.against}`);
      });
      const log = await openAuditLog(layout, { create: false });
      const report = await log.verify(against === undefined ? {} : { against });
      if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
      else if (report.ok) {
        process.stdout.write(`audit log ${auditDirOf(layout.dataDir)}: ${report.verified} entries verified` +
          `${report.acknowledged < report.verified ? ` (${report.verified - report.acknowledged} after the last acknowledged)` : ''}` +
          `${report.checkpoint === undefined ? '' : report.checkpoint.legacy ? `; extends the kept checkpoint of ${report.checkpoint.size} (a chain-head checkpoint from before the Merkle tree)` : `; extends the kept checkpoint of ${report.checkpoint.size} (consistency proof of ${report.checkpoint.proof.length} hashes verified)`}\n`);
      } else {
        process.stderr.write(`sunder: audit log broken at entry ${report.problem!.entry} (${report.problem!.kind}): ${report.problem!.message}; ` +
          `${report.verified} entries before it verified\n`);
      }
      if (!report.ok) process.exitCode = 1;
    });
}
