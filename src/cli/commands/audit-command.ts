/**
 * The `sunder audit` group that `audit-verify.ts` and `audit-list.ts` add their subcommands to,
 * and the data/keys folders every command reads from the global options.
 */
import type { Command } from 'commander';
import { layoutOptionsOf, resolveConfig } from '../../config/resolve.js';
import { layoutOf, type Layout } from '../../layout.js';
import { globalFlagsOf } from '../context.js';

/** The `audit` subcommand of `program`, created on first use. */
export function auditCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'audit')
    ?? program.command('audit').description('the tamper-evident audit log: verify its chain, list its entries');
}

/** The layout from the global `--data` and `--keys` options, the environment and the config file. */
export function layoutOfCommand(cmd: Command): Layout {
  return layoutOf(layoutOptionsOf(resolveConfig({ flags: globalFlagsOf(cmd) })));
}
