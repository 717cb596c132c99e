/** `sunder audit prove ENTRY [--size N] [--json]`: entry ENTRY's inclusion proof and the signed checkpoint it is proven against. */
import type { Command } from 'commander';
import { SunderError } from '../../errors.js';
import { openAuditLog } from '../../audit/open.js';
import { auditCommand, layoutOfCommand } from './audit-command.js';

const count = (text: string, what: string): number => {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw new SunderError('CONFIG_INVALID', `expected ${what} as a positive whole number`, { path: [what] });
  return Number(text);
};

export function registerAuditProve(program: Command): void {
  auditCommand(program)
    .command('prove')
    .argument('<entry>', 'the entry number (seq, as `sunder audit list` shows it)')
    .description('print an RFC 6962 inclusion proof of one entry and the signed checkpoint (C2SP tlog-checkpoint) it is proven against')
    .option('--size <n>', 'prove against a checkpoint of the first N entries instead of the whole log')
    .option('--json', 'print the receipt { entry, leafIndex, treeSize, inclusionProof, checkpoint } as one JSON line')
    .action(async (entryText: string, opts: { size?: string; json?: boolean }, cmd: Command) => {
      const seq = count(entryText, 'entry');
      const size = opts.size === undefined ? undefined : count(opts.size, 'size');
      const log = await openAuditLog(layoutOfCommand(cmd), { create: false });
      const receipt = await log.receipt(seq, size === undefined ? {} : { size });
      if (opts.json) {
        process.stdout.write(JSON.stringify(receipt) + '\n');
        return;
      }
      process.stdout.write(
        `entry ${receipt.entry.seq} (leaf ${receipt.leafIndex} of a tree of ${receipt.treeSize})\n` +
        `${JSON.stringify(receipt.entry)}\n` +
        `inclusion proof (${receipt.inclusionProof.length} hashes, the leaf's sibling first):\n` +
        receipt.inclusionProof.map((h) => `  ${h}\n`).join('') +
        `checkpoint:\n${receipt.checkpoint}`,
      );
    });
}
