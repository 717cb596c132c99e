/**
 * Opening an embedded SQLite store: WAL with synchronous=FULL, so a transaction that returned
 * survives a power cut (the vault commit is the ingest commit point), and a clear STORE_CORRUPT
 * instead of a stack trace when the file is not a database.
 */
import Database from 'better-sqlite3';
import { SunderError } from './errors.js';

export function openSqlite(path: string, what: string, schema: string, extraPragmas: string[] = []): Database.Database {
  try {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 10000');
    for (const p of extraPragmas) db.pragma(p);
    db.exec(schema);
    return db;
  } catch (cause) {
    throw new SunderError('STORE_CORRUPT', `the ${what} at ${path} cannot be opened as a SQLite database`, { cause });
  }
}
