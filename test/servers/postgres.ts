/**
 * The PostgreSQL the tests use: the server on this machine (127.0.0.1:5432, trust auth, user
 * postgres), or SUNDER_TEST_PG_URL (a URL of a database whose user may CREATE DATABASE). Each
 * caller gets a fresh database `sunder_test_<random>`, dropped when the test file ends, so test
 * files running in parallel never see each other's rows. When the server cannot be reached,
 * `pgSkipReason` says why and the suites use `describe.skipIf`, naming the reason in the title.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

const ADMIN_URL = process.env.SUNDER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${new URL(ADMIN_URL).host} cannot be reached (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Undefined when PostgreSQL answers; otherwise why the PostgreSQL suites are skipped. */
export const pgSkipReason: string | undefined = await probe();

/** A title that says the suite was skipped and why, when it is. */
export function pgTitle(title: string): string {
  return pgSkipReason === undefined ? title : `${title} [SKIPPED: ${pgSkipReason}]`;
}

const created: string[] = [];
let registered = false;

function urlOf(db: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A new empty database; its URL. Dropped (with any sessions left in it) after the file's tests. */
export async function freshDatabase(): Promise<string> {
  const name = `sunder_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  created.push(name);
  if (!registered) {
    registered = true;
    afterAll(dropCreated);
  }
  return urlOf(name);
}

async function dropCreated(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    for (const name of created.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A query on a database by URL (inspection in tests). */
export async function queryDb<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
