/**
 * What every command needs from the global options: where the data and the keys are. Commands
 * receive a `CliContext` rather than reaching for the program, so each stays one small file.
 * Every value goes through `resolveConfig` (flag > environment > config file > default).
 */
import type { Command } from 'commander';
import { layoutOptionsOf, resolveConfig, storeEnvOf, storeUrlOf, type ConfigFlags, type ResolvedConfig } from '../config/resolve.js';
import { DEFAULT_DATA_DIR } from '../layout.js';

export interface GlobalOptions {
  data?: string;
  keys?: string;
  store?: string;
  config?: string;
  vault?: string;
  keystore?: string;
}

export interface CliContext {
  /** `{ dataDir, keysDir? }` from the resolved configuration, for `layoutOf` and the library calls. */
  layoutOpts(): { dataDir?: string; keysDir?: string };
  /** The object store URL from `--store`, SUNDER_STORE or the config file (with its `s3` settings), else undefined. */
  storeUrl(): string | undefined;
  /** The environment to open the store with (the resolved S3 endpoint set). */
  storeEnv(): NodeJS.ProcessEnv;
  /** Every setting and where it came from; resolved once per process. */
  config(): ResolvedConfig;
  /** The data folder for an error message: never throws (a broken config file falls back to the default). */
  dataDirForErrors(): string;
  /** Vault, key-store and store URLs as resolved (flag > env > config file), else undefined: the embedded default. */
  backendFlags(): { vault: string | undefined; keystore: string | undefined; store: string | undefined };
}

/**
 * The global options the person typed. Commander also fills them from the environment and its
 * defaults, but those must rank below the config file, so only command-line values count here.
 */
export function globalFlagsOf(command: Command): ConfigFlags {
  let root = command;
  while (root.parent !== null) root = root.parent;
  const g = root.opts<GlobalOptions & { vault?: string; keystore?: string }>();
  const flags: ConfigFlags = {};
  for (const key of ['config', 'data', 'keys', 'store', 'vault', 'keystore'] as const) {
    const value = g[key];
    if (value !== undefined && root.getOptionValueSource(key) === 'cli') flags[key] = value;
  }
  return flags;
}

export function contextOf(program: Command): CliContext {
  let resolved: ResolvedConfig | undefined;
  const config = () => (resolved ??= resolveConfig({ flags: globalFlagsOf(program) }));
  return {
    layoutOpts: () => layoutOptionsOf(config()),
    storeUrl: () => storeUrlOf(config()),
    storeEnv: () => storeEnvOf(config()),
    config,
    dataDirForErrors() {
      try {
        return config().data.value;
      } catch {
        return DEFAULT_DATA_DIR;
      }
    },
    backendFlags() {
      const c = config();
      return { vault: c.vault?.value, keystore: c.keystore?.value, store: storeUrlOf(c) };
    },
  };
}
