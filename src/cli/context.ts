/**
 * What every command needs from the global options: where the data and the keys are. Commands
 * receive a `CliContext` rather than reaching for the program, so each stays one small file.
 */
import type { Command } from 'commander';

export interface GlobalOptions {
  data?: string;
  keys?: string;
  store?: string;
  vault?: string;
  keystore?: string;
}

export interface CliContext {
  /** `{ dataDir?, keysDir? }` from `--data` and `--keys`, for `layoutOf` and the library calls. */
  layoutOpts(): { dataDir?: string; keysDir?: string };
  /** `--store` as given (a URL), else undefined: `openConfiguredStore` falls back to `SUNDER_STORE`. */
  storeUrl(): string | undefined;
  /** `--vault` and `--keystore` as given (URLs), else undefined: SUNDER_VAULT / SUNDER_KEYSTORE, else the embedded default. */
  backendFlags(): { vault: string | undefined; keystore: string | undefined; store: string | undefined };
}

export function contextOf(program: Command): CliContext {
  return {
    layoutOpts() {
      const g = program.opts<GlobalOptions>();
      return { ...(g.data === undefined ? {} : { dataDir: g.data }), ...(g.keys === undefined ? {} : { keysDir: g.keys }) };
    },
    storeUrl() {
      return program.opts<GlobalOptions>().store;
    },
    backendFlags() {
      const g = program.opts<GlobalOptions>();
      return { vault: g.vault, keystore: g.keystore, store: g.store };
    },
  };
}
