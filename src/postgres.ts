/**
 * What the PostgreSQL stores share: opening a pool from a connection string, the versioned
 * schema migrations Sunder applies itself (a `schema_migrations` table per store), and error
 * messages that never echo the connection string (it may carry a password).
 */
import pg from 'pg';
import { SunderError } from './errors.js';

/** One schema change, applied once, in version order, inside one transaction. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationPlan {
  /** Versions already applied, ascending. */
  applied: number[];
  /** Migrations not yet applied, in the order they would run. */
  pending: { version: number; name: string }[];
}

/** The PostgreSQL SQLSTATE codes the stores act on. */
export const PG = {
  UNIQUE_VIOLATION: '23505',
  FOREIGN_KEY_VIOLATION: '23503',
  SERIALIZATION_FAILURE: '40001',
  DEADLOCK_DETECTED: '40P01',
  ADMIN_SHUTDOWN: '57P01',
} as const;

export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The PostgreSQL schema (namespace) each store's tables live in, so that a vault and a key store
 * may share one database (a test, a small deployment) without sharing a table.
 */
export const PG_SCHEMA = { vault: 'sunder_vault', keystore: 'sunder_keystore' } as const;

/**
 * A pool for one store, its sessions' search_path set to the store's schema. `application_name` (from the URL, else `sunder-<what>`) names the
 * sessions in `pg_stat_activity`, so an operator (or a fault test) can find exactly this
 * process's connections.
 */
export function openPool(connectionString: string, what: keyof typeof PG_SCHEMA, max = 4): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(connectionString, what), max });
  // An idle connection the server ends (a restart, pg_terminate_backend) is dropped from the
  // pool and reported to the next query that needs one; without a listener it would crash the process.
  pool.on('error', () => undefined);
  // The same for a connection ended while checked out between two queries (inside a commit):
  // the next query on it fails, and that failure is the one reported.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Connection settings of one store's sessions (pool or single client). */
export function clientConfig(connectionString: string, what: keyof typeof PG_SCHEMA): pg.ClientConfig {
  const hasName = /[?&]application_name=/.test(connectionString);
  return {
    connectionString,
    options: `-c search_path=${PG_SCHEMA[what]}`,
    ...(hasName ? {} : { application_name: `sunder-${what}` }),
  };
}

/** A connection failure named without the URL (which may hold a password). */
export function unavailable(what: string, cause: unknown): SunderError {
  if (cause instanceof SunderError) return cause;
  const code = pgCode(cause);
  return new SunderError('STORE_UNAVAILABLE', `the ${what} (PostgreSQL) failed${code === undefined ? '' : ` with SQLSTATE ${code}`}`, { cause });
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;

/** Serialises migrations of one database across hosts (an advisory lock, never a lock file). */
function lockKey(store: string): string {
  return `sunder-migrate:${store}`;
}

async function appliedVersions(client: pg.PoolClient): Promise<number[]> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations') AS t");
  if (exists.rows[0]?.t === null) return [];
  const rows = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  return rows.rows.map((r) => r.version);
}

/** What `migrate` would do, read without changing anything (`sunder migrate --dry-run`). */
export async function planMigrations(pool: pg.Pool, migrations: readonly Migration[]): Promise<MigrationPlan> {
  const client = await pool.connect();
  try {
    const applied = await appliedVersions(client);
    return { applied, pending: migrations.filter((m) => !applied.includes(m.version)).map(({ version, name }) => ({ version, name })) };
  } finally {
    client.release();
  }
}

/**
 * Applies every migration not yet applied, each in its own transaction with its row in
 * `schema_migrations`, under a transaction-level advisory lock: two hosts opening a new database
 * at once apply each migration once. Returns what was applied.
 */
export async function applyMigrations(pool: pg.Pool, store: keyof typeof PG_SCHEMA, migrations: readonly Migration[]): Promise<number[]> {
  const client = await pool.connect();
  try {
    return await applyWith(client, store, migrations);
  } finally {
    client.release();
  }
}

async function applyWith(client: pg.PoolClient, store: keyof typeof PG_SCHEMA, migrations: readonly Migration[]): Promise<number[]> {
  const done: number[] = [];
  for (const m of migrations) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(store)]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${PG_SCHEMA[store]}`);
      await client.query(MIGRATIONS_TABLE);
      const applied = await appliedVersions(client);
      if (!applied.includes(m.version)) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        done.push(m.version);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
  return done;
}

/**
 * For opening a store: a new (empty) database gets the whole schema; one that has some
 * migrations but not all is refused with STORE_VERSION until `sunder migrate` runs, so a host
 * with newer code never changes a schema older hosts are still writing under.
 */
export async function ensureSchema(pool: pg.Pool, store: keyof typeof PG_SCHEMA, migrations: readonly Migration[]): Promise<void> {
  const plan = await planMigrations(pool, migrations);
  if (plan.pending.length === 0) return;
  if (await initialising(pool, store, migrations)) return;
  const latest = migrations[migrations.length - 1]!.version;
  if (plan.applied.some((v) => v > latest)) {
    throw new SunderError('STORE_VERSION', `the ${store} schema is newer (version ${Math.max(...plan.applied)}) than this Sunder knows (${latest}): upgrade Sunder`);
  }
  throw new SunderError('STORE_VERSION', `the ${store} schema is at version ${Math.max(...plan.applied)}, this Sunder needs ${latest}: run \`sunder migrate\``);
}

/**
 * A new database is initialised by whichever host takes the migration lock first; the others
 * wait on the lock and then find the schema complete. Without the session lock around the
 * check, a host that looked while the first was between two migrations saw a partial schema
 * and refused it (found by the four-host test). True when the schema is now complete.
 */
async function initialising(pool: pg.Pool, store: keyof typeof PG_SCHEMA, migrations: readonly Migration[]): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey(store)]);
    try {
      const applied = await appliedVersions(client);
      if (migrations.every((m) => applied.includes(m.version))) return true;
      // Some but not all, with nobody initialising: an older schema, for `sunder migrate`.
      if (applied.length > 0) return false;
      await applyWith(client, store, migrations);
      return true;
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(store)]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

/** Meta values: each absent key is stored, and the keys whose stored value differs are returned. */
export async function checkOrSetMetaPg(pool: pg.Pool, values: Record<string, string>): Promise<string[]> {
  const entries = Object.entries(values);
  if (entries.length === 0) return [];
  // ON CONFLICT DO NOTHING: two hosts setting the same value at once both succeed; the check
  // below then compares against whichever value won.
  await pool.query('INSERT INTO meta (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (key) DO NOTHING',
    [entries.map(([k]) => k), entries.map(([, v]) => v)]);
  const rows = await pool.query<{ key: string; value: string }>('SELECT key, value FROM meta WHERE key = ANY($1::text[])', [entries.map(([k]) => k)]);
  const stored = new Map(rows.rows.map((r) => [r.key, r.value]));
  return entries.filter(([k, v]) => stored.get(k) !== v).map(([k]) => k);
}
