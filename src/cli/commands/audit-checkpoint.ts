/** `sunder audit checkpoint`: prints a signed checkpoint of the log for an auditor to keep elsewhere. */
import type { Command } from 'commander';
import { openAuditLog } from '../../audit/open.js';
import { auditCommand, layoutOfCommand } from './audit-command.js';

export function registerAuditCheckpoint(program: Command): void {
  auditCommand(program)
    .command('checkpoint')
    .description('print a signed checkpoint (C2SP tlog-checkpoint: size and RFC 6962 Merkle root) of the verified log; keep it off the hosts that write the log')
    .action(async (_opts: unknown, cmd: Command) => {
      const log = await openAuditLog(layoutOfCommand(cmd), { create: false });
      process.stdout.write(await log.checkpoint());
    });
}
