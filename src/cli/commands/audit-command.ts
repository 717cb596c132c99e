/**
 * The `sunder audit` group that `audit-verify.ts` and `audit-list.ts` add their subcommands to,
 * and the data/keys folders every command reads from the global options.
 */
import type { Command } from 'commander';
import { layoutOf, type Layout } from '../../layout.js';

/** The `audit` subcommand of `program`, created on first use. */
export function auditCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'audit')
    ?? program.command('audit').description('the tamper-evident audit log: verify its chain, list its entries');
}

/** The layout from the global `--data` and `--keys` options. */
export function layoutOfCommand(cmd: Command): Layout {
  const g = cmd.optsWithGlobals<{ data?: string; keys?: string }>();
  return layoutOf({ ...(g.data === undefined ? {} : { dataDir: g.data }), ...(g.keys === undefined ? {} : { keysDir: g.keys }) });
}
