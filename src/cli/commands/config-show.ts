/**
 * `sunder config show [--json]`: every setting, its value and where it came from (flag,
 * environment, config file, default). Secrets are masked (URL passwords, password= parameters,
 * the KMS key id): this output is made to be pasted into a ticket.
 */
import { Command } from 'commander';
import { maskSecrets } from '../../config/mask.js';
import type { ResolvedConfig, Setting } from '../../config/resolve.js';
import { layoutOf } from '../../layout.js';
import type { CliContext } from '../context.js';

interface ShownSetting {
  value: string | boolean | null;
  source: Setting['source'];
  /** The flag, variable or file it came from; for a default, what the default is. */
  origin: string;
}

/** The settings as printed: masked, with the embedded default spelled out where nothing is set. */
export function shownSettings(config: ResolvedConfig): Record<string, ShownSetting> {
  const layout = layoutOf({ dataDir: config.data.value, keysDir: config.keys.value });
  const show = (s: Setting<string | boolean> | undefined, fallback: string | null): ShownSetting =>
    s === undefined
      ? { value: fallback, source: 'default', origin: 'default' }
      : { value: typeof s.value === 'string' ? maskSecrets(s.value) : s.value, source: s.source, origin: s.origin };
  const sse = config.s3.sse;
  return {
    data: show(config.data, null),
    keys: show(config.keys, null),
    store: show(config.store, layout.objects),
    vault: show(config.vault, layout.vault),
    keystore: show(config.keystore, layout.keystore),
    policy: show(config.policy, null),
    's3.endpoint': show(config.s3.endpoint, null),
    's3.region': show(config.s3.region, null),
    's3.forcePathStyle': show(config.s3.forcePathStyle, null),
    // A KMS key id is not a password, but it names a key an attacker would want: never printed.
    's3.sse': sse === undefined ? show(undefined, null) : { value: sse.value.kmsKeyId === undefined ? sse.value.mode : `${sse.value.mode} (key id ***)`, source: sse.source, origin: sse.origin },
  };
}

export function configCommand(ctx: CliContext): Command {
  const config = new Command('config').description('the configuration: flags, environment, config file, defaults');
  config
    .command('show')
    .description('print every setting and where it came from, secrets masked')
    .option('--json', 'one JSON object')
    .action((opts: { json?: boolean }) => {
      const resolved = ctx.config();
      const settings = shownSettings(resolved);
      const file = resolved.file === undefined ? null : { path: resolved.file.path, source: resolved.file.source };
      if (opts.json) {
        process.stdout.write(JSON.stringify({ file, settings }) + '\n');
        return;
      }
      const how = { flag: '--config', env: 'SUNDER_CONFIG', cwd: 'found in the working directory' } as const;
      const lines = [`config file        ${file === null ? '(none)' : `${file.path} (${how[file.source]})`}`];
      for (const [name, s] of Object.entries(settings)) {
        const from = s.source === 'default' ? 'default' : s.source === 'file' ? 'config file' : `${s.source} ${s.origin}`;
        lines.push(`${name.padEnd(18)} ${String(s.value ?? '-').padEnd(40)} ${from}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
  return config;
}
