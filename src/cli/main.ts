#!/usr/bin/env node
/**
 * The `sunder` command. Thin on purpose: each command is one file under commands/ that parses
 * its arguments and makes a library call; this file only wires them together and maps errors
 * to exit codes.
 */
import { Command } from 'commander';
import { isSunderError } from '../errors.js';
import { contextOf } from './context.js';
import { exportCommand } from './commands/export.js';
import { ingestCommand } from './commands/ingest.js';
import { initCommand } from './commands/init.js';
import { scanCommand } from './commands/scan.js';

const program = new Command('sunder')
  .description('Split collected records into a sealed identity vault and pseudonymised, scrubbed, encrypted business objects.')
  .option('--data <dir>', 'data directory of the embedded default', 'sunder-data')
  .option('--keys <dir>', 'folder of the role key files (default: <data>/keys)')
  .showHelpAfterError();

const ctx = contextOf(program);
// copyInheritedSettings: a command made with `new Command` does not inherit showHelpAfterError etc.
for (const command of [initCommand(ctx), ingestCommand(ctx), exportCommand(ctx), scanCommand()]) {
  program.addCommand(command.copyInheritedSettings(program));
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (isSunderError(err)) {
    process.stderr.write(`sunder: ${err.message.replace(/^\[sunder\] /, '')} (${err.code})\n`);
    process.exit(2);
  }
  process.stderr.write(`sunder: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(70);
});
