#!/usr/bin/env node
/**
 * The `sunder` command. Thin on purpose: each command is one file under commands/ that parses
 * its arguments and makes a library call; this file only wires them together and maps errors
 * to exit codes (exit-codes.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { isSunderError } from '../errors.js';
import { layoutOf } from '../layout.js';
import { osError } from '../os-errors.js';
import { contextOf } from './context.js';
import { exitCodeOf } from './exit-codes.js';
import { configCommand } from './commands/config-show.js';
import { exportCommand } from './commands/export.js';
import { registerRecipient } from './commands/recipient.js';
import { disclosuresCommand } from './commands/disclosures.js';
import { ingestCommand } from './commands/ingest.js';
import { initCommand } from './commands/init.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { scanCommand } from './commands/scan.js';
import { statsCommand } from './commands/stats.js';
import { registerAuditCheckpoint } from './commands/audit-checkpoint.js';
import { registerAuditList } from './commands/audit-list.js';
import { registerAuditVerify } from './commands/audit-verify.js';
import { registerAuditProve } from './commands/audit-prove.js';
import { registerIncident } from './commands/incident.js';
import { registerRequestClose } from './commands/request-close.js';
import { registerRequestOpen } from './commands/request-open.js';
import { registerRequests } from './commands/requests.js';
import { verifyExportCommand } from './commands/verify-export.js';
import { openExportCommand } from './commands/open-export.js';
import { eraseCommand } from './commands/erase.js';
import { withdrawCommand } from './commands/withdraw.js';
import { purgeCommand } from './commands/purge.js';
import { compactCommand } from './commands/compact.js';
import { findCommand } from './commands/find.js';
import { accessCommand } from './commands/access.js';

// src/cli/main.ts and dist/cli/main.js are both two folders below package.json.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('sunder')
  .description('Split collected records into a sealed identity vault and pseudonymised, scrubbed, encrypted business objects.')
  .version(version, '-V, --version', 'print the version')
  .addOption(new Option('--data <dir>', 'data directory of the embedded default').env('SUNDER_DATA').default('sunder-data'))
  .addOption(new Option('--keys <dir>', 'folder of the role key files (default: <data>/keys)').env('SUNDER_KEYS'))
  .option('--store <url>', 'object store: file:///path or s3://bucket/prefix (default: $SUNDER_STORE, else <data>/objects)')
  .option('--config <file>', 'configuration file (default: $SUNDER_CONFIG, else sunder.config.json|.yaml|.yml in the working directory)')
  .option('--vault <url>', 'vault: sqlite:///path or postgres://host/db (default: $SUNDER_VAULT, else <data>/vault.db)')
  .option('--keystore <url>', 'key store: sqlite:///path or postgres://host/db (default: $SUNDER_KEYSTORE, else <data>/keystore.db)')
  .showHelpAfterError()
  // Usage errors throw (CommanderError) instead of exiting 1, so they get exit code 2 below.
  .exitOverride();

const ctx = contextOf(program);
// copyInheritedSettings: a command made with `new Command` does not inherit showHelpAfterError,
// exitOverride etc.
for (const command of [initCommand(ctx), keysCommand(ctx), ingestCommand(ctx), exportCommand(ctx), migrateCommand(ctx), scanCommand(),
  disclosuresCommand(ctx)]) {
  program.addCommand(command.copyInheritedSettings(program));
}
for (const command of [verifyExportCommand(ctx), openExportCommand()]) {
  program.addCommand(command.copyInheritedSettings(program));
}
program.addCommand(configCommand(ctx).copyInheritedSettings(program));
program.addCommand(statsCommand(ctx).copyInheritedSettings(program));
registerRecipient(program, ctx);
for (const command of [findCommand(ctx), accessCommand(ctx), eraseCommand(ctx, 'erase'), eraseCommand(ctx, 'cancel'), withdrawCommand(ctx), purgeCommand(ctx), compactCommand(ctx)]) {
  program.addCommand(command.copyInheritedSettings(program));
}
for (const register of [registerAuditVerify, registerAuditList, registerAuditCheckpoint, registerRequests, registerRequestOpen, registerRequestClose]) {
  register(program);
}
registerAuditProve(program);
registerIncident(program);

program.parseAsync(process.argv).catch((thrown: unknown) => {
  const code = exitCodeOf(thrown);
  // Commander has printed its own message (or the help) already.
  if (thrown instanceof Error && thrown.name === 'CommanderError') process.exit(code);
  // An OS error that no inner layer named: the data folder is the best path we know.
  const err = osError(thrown, { what: 'the data folder', path: layoutOf({ dataDir: ctx.dataDirForErrors() }).dataDir });
  if (isSunderError(err)) process.stderr.write(`sunder: ${err.message.replace(/^\[sunder\] /, '')} (${err.code})\n`);
  else process.stderr.write(`sunder: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(isSunderError(err) ? exitCodeOf(err) : code);
});
