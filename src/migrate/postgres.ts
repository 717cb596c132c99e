/**
 * `sunder migrate` for PostgreSQL stores: applies the vault's and the key store's versioned
 * schema migrations (src/vault/postgres-migrations.ts, src/keystore/postgres-migrations.ts) not
 * yet recorded in their `schema_migrations`, or with `dryRun` only lists them. Safe to run from
 * several hosts at once (an advisory lock per store) and to rerun.
 */
import { KEYSTORE_MIGRATIONS } from '../keystore/postgres-migrations.js';
import { applyMigrations, openPool, planMigrations, unavailable, type Migration } from '../postgres.js';
import { VAULT_MIGRATIONS } from '../vault/postgres-migrations.js';

export interface PgMigrationReport {
  store: 'vault' | 'keystore';
  /** Versions applied before this run. */
  applied: number[];
  /** Migrations this run applied (or, with dryRun, would apply). */
  pending: { version: number; name: string }[];
  dryRun: boolean;
}

async function migrateOne(store: 'vault' | 'keystore', url: string, migrations: readonly Migration[], dryRun: boolean): Promise<PgMigrationReport> {
  const pool = openPool(url, store, 1);
  try {
    const plan = await planMigrations(pool, migrations);
    if (!dryRun && plan.pending.length > 0) await applyMigrations(pool, store, migrations);
    return { store, applied: plan.applied, pending: plan.pending, dryRun };
  } catch (err) {
    throw unavailable(store === 'vault' ? 'vault' : 'key store', err);
  } finally {
    await pool.end();
  }
}

export async function migratePostgres(urls: { vault?: string; keystore?: string }, options: { dryRun?: boolean } = {}): Promise<PgMigrationReport[]> {
  const out: PgMigrationReport[] = [];
  const dryRun = options.dryRun === true;
  if (urls.vault !== undefined) out.push(await migrateOne('vault', urls.vault, VAULT_MIGRATIONS, dryRun));
  if (urls.keystore !== undefined) out.push(await migrateOne('keystore', urls.keystore, KEYSTORE_MIGRATIONS, dryRun));
  return out;
}
