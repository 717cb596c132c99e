/**
 * Opening an embedded SQLite store: WAL with synchronous=FULL, so a transaction that returned
 * survives a power cut (the vault commit is the ingest commit point), and a clear STORE_CORRUPT
 * instead of a stack trace when the file is not a database.
 */
import Database from 'better-sqlite3';
import { SunderError } from './errors.js';
import { isOsError, osError } from './os-errors.js';

export function openSqlite(path: string, what: string, schema: string, extraPragmas: string[] = []): Database.Database {
  try {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 10000');
    // Checkpoint every ~40 MB of WAL rather than SQLite's default ~4 MB: an ingest batch with
    // many new subjects dirties index pages at random, and most of them again in the next
    // batches; a longer WAL copies each such page into the database once per checkpoint instead
    // of once per batch (measured on 50,000 records: 40 MB less written, the vault commit -15%).
    db.pragma('wal_autocheckpoint = 10000');
    for (const p of extraPragmas) db.pragma(p);
    db.exec(schema);
    return db;
  } catch (cause) {
    // A full disk, a read-only mount or a denied permission is not a corrupt store.
    const code = (cause as { code?: unknown }).code;
    if (isOsError(cause) && code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') throw osError(cause, { what: `the ${what}`, path });
    throw new SunderError('STORE_CORRUPT', `the ${what} at ${path} cannot be opened as a SQLite database`, { cause });
  }
}

/** Bound parameters per IN-list: SQLite's default limit is 32766; stay far below. */
const IN_CHUNK = 500;

/**
 * Rows of `${sqlHead} (?, ?, ...)` for every id, in chunks of 500 ids. `sqlHead` ends with
 * `IN`, e.g. `SELECT key_id FROM subjects WHERE key_id IN`. Statements are kept in `cache` by
 * SQL text: preparing costs more than running them, and chunk sizes repeat.
 */
export function selectIn<T>(db: Database.Database, cache: Map<string, Database.Statement>, sqlHead: string, ids: readonly string[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const part = ids.slice(i, i + IN_CHUNK);
    const sql = `${sqlHead} (${part.map(() => '?').join(',')})`;
    let stmt = cache.get(sql);
    if (stmt === undefined) cache.set(sql, (stmt = db.prepare(sql)));
    for (const row of stmt.all(...part) as T[]) out.push(row);
  }
  return out;
}

const metaStatements = new WeakMap<Database.Database, { get: Database.Statement<[string], { value: string }>; set: Database.Statement<[string, string]> }>();

/**
 * For a store with a `meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)` table: in one
 * transaction, stores each value whose key is absent and returns the keys whose stored value
 * differs (a mismatch means the store was set up with other keys).
 */
export function checkOrSetMeta(db: Database.Database, values: Record<string, string>): string[] {
  let stmts = metaStatements.get(db);
  if (stmts === undefined) {
    stmts = {
      get: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      set: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?)'),
    };
    metaStatements.set(db, stmts);
  }
  const { get, set } = stmts;
  const mismatched: string[] = [];
  db.transaction(() => {
    for (const [key, value] of Object.entries(values)) {
      const row = get.get(key);
      if (row === undefined) set.run(key, value);
      else if (row.value !== value) mismatched.push(key);
    }
  })();
  return mismatched;
}
