/**
 * Opening the vault and the key store a URL names. The PostgreSQL drivers (and `pg` with them)
 * are loaded only when a postgres: URL asks for them, so the embedded default starts as before.
 * The config file (h-hostile) and the CLI both come through here.
 */
import type { KeyStore } from '../keystore/keystore.js';
import type { ObjectStore } from '../store/object-store.js';
import type { Vault } from '../vault/vault.js';
import { configuredBackendUrl, parseBackendUrl, type BackendUrl } from './backend-url.js';
import { openConfiguredStore } from './store-url.js';

/** Opens the vault at `url` (a string is parsed first; `field` names it in errors). */
export async function openVault(url: string | BackendUrl, field = 'vault'): Promise<Vault> {
  const u = typeof url === 'string' ? parseBackendUrl(url, field) : url;
  if (u.kind === 'sqlite') {
    const { SqliteVault } = await import('../vault/sqlite.js');
    return new SqliteVault(u.path);
  }
  const { PostgresVault } = await import('../vault/postgres.js');
  return PostgresVault.open(u.connectionString);
}

/** Opens the key store at `url`, as {@link openVault}. */
export async function openKeyStore(url: string | BackendUrl, field = 'keystore'): Promise<KeyStore> {
  const u = typeof url === 'string' ? parseBackendUrl(url, field) : url;
  if (u.kind === 'sqlite') {
    const { SqliteKeyStore } = await import('../keystore/sqlite.js');
    return new SqliteKeyStore(u.path);
  }
  const { PostgresKeyStore } = await import('../keystore/postgres.js');
  return PostgresKeyStore.open(u.connectionString);
}

export interface ConfiguredBackends {
  vault?: Vault;
  keystore?: KeyStore;
  store?: ObjectStore;
  /** Closes what was opened here (the Ingestor or export closes vault and key store itself). */
  close(): Promise<void>;
}

/**
 * The backends chosen by `--vault`/`--keystore`/`--store`, else SUNDER_VAULT/SUNDER_KEYSTORE/
 * SUNDER_STORE; each absent one stays undefined (the caller keeps the embedded default). Either
 * all open or none stay open.
 */
export async function openConfiguredBackends(
  flags: { vault?: string | undefined; keystore?: string | undefined; store?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfiguredBackends> {
  const vaultUrl = configuredBackendUrl(flags.vault, '--vault', env);
  const keystoreUrl = configuredBackendUrl(flags.keystore, '--keystore', env);
  const out: ConfiguredBackends = { close: async () => undefined };
  try {
    if (vaultUrl !== undefined) out.vault = await openVault(vaultUrl);
    if (keystoreUrl !== undefined) out.keystore = await openKeyStore(keystoreUrl);
    const store = await openConfiguredStore(flags.store, env);
    if (store !== undefined) out.store = store;
  } catch (err) {
    await out.vault?.close().catch(() => undefined);
    await out.keystore?.close().catch(() => undefined);
    throw err;
  }
  // Every store's close is safe to call twice (the Ingestor closes the vault and key store too).
  out.close = async () => {
    await out.vault?.close();
    await out.keystore?.close();
    await out.store?.close?.();
  };
  return out;
}
