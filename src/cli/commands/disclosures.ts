/** `sunder disclosures [--recipient R] [--subject ID] [--export ID] [--json]`: the disclosure ledger, one object a line. */
import { Command } from 'commander';
import { listDisclosures } from '../../export/disclosures.js';
import type { CliContext } from '../context.js';

export function disclosuresCommand(ctx: CliContext): Command {
  return new Command('disclosures')
    .description('list what finished exports disclosed: recipient, subject, the recipient\'s pseudonym and object id, export, date')
    .option('--recipient <name>', 'only this recipient')
    .option('--subject <id>', 'only this subject id')
    .option('--export <id>', 'only this export')
    .option('--json', 'one JSON disclosure a line')
    .action(async (opts: { recipient?: string; subject?: string; export?: string; json?: boolean }) => {
      for await (const d of listDisclosures({
        ...ctx.layoutOpts(),
        ...(opts.recipient === undefined ? {} : { recipient: opts.recipient }),
        ...(opts.subject === undefined ? {} : { subjectId: opts.subject }),
        ...(opts.export === undefined ? {} : { exportId: opts.export }),
      })) {
        process.stdout.write((opts.json ? JSON.stringify(d) : [d.disclosedAt, d.recipient, d.exportId, d.subjectId, d.recipientPseudonym, d.objectId, d.project].join('  ')) + '\n');
      }
    });
}
