/** `sunder recipient add NAME --jurisdiction CC [--age-recipient KEY]` and `sunder recipient list [--json]`. */
import type { Command } from 'commander';
import { addRecipient, listRecipients } from '../../export/recipients.js';
import type { CliContext } from '../context.js';

/** Registered on the program (not built apart), so `add` and `list` inherit its exit handling. */
export function registerRecipient(program: Command, ctx: CliContext): void {
  const group = program.command('recipient').description('register the customers exports go to');
  group
    .command('add <name>')
    .description('register a recipient (its pseudonyms and ids are derived per recipient; exports to it name it with --recipient)')
    .requiredOption('--jurisdiction <cc>', 'ISO 3166-1 alpha-2 country of the recipient (decides whether its exports cross a border)')
    .option('--age-recipient <key>', 'the recipient\'s age X25519 recipient (age1…), to seal its exports to')
    .option('--json', 'print the registered recipient as JSON')
    .action(async (name: string, opts: { jurisdiction: string; ageRecipient?: string; json?: boolean }) => {
      const row = await addRecipient({ name, jurisdiction: opts.jurisdiction, ...(opts.ageRecipient === undefined ? {} : { ageRecipient: opts.ageRecipient }) }, ctx.layoutOpts());
      process.stdout.write(opts.json ? JSON.stringify(row) + '\n' : `registered recipient ${row.name} (${row.jurisdiction})\n`);
    });
  group
    .command('list')
    .description('list the registered recipients')
    .option('--json', 'one JSON recipient a line')
    .action(async (opts: { json?: boolean }) => {
      const rows = await listRecipients(ctx.layoutOpts());
      process.stdout.write(rows.map((r) => (opts.json ? JSON.stringify(r) : [r.name, r.jurisdiction, r.ageRecipient ?? '-', r.createdAt].join('  ')) + '\n').join(''));
    });
}
