/**
 * One writer per data directory, held by the operating system rather than by a file's content.
 *
 * The lock is an exclusive lock on a small SQLite database (`writer-lock.db`) held open for the
 * writer's whole life (`locking_mode = EXCLUSIVE`, then one `BEGIN EXCLUSIVE`). SQLite takes it
 * with a POSIX advisory lock, which the kernel drops when the process ends however it ends, a
 * `kill -9` included: the next writer gets it at once, and the recovery pass then repairs what
 * the dead one left. Nothing is ever read from the file, so there is no half-written pid to
 * misread, no pid reused by another program, and no stale lock to break. SQLite also tracks its
 * locks per file across the connections of one process, so a second writer in the same process
 * is refused as well.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SunderError } from '../errors.js';
import { privateFile } from '../dirs.js';

/** The lock database's file name inside the data directory. */
export const LOCK_FILE = 'writer-lock.db';


export class WriterLock {
  private constructor(private db: Database.Database | undefined) {}

  /** Takes the lock or throws `WRITER_LOCKED` at once (it never waits). */
  static acquire(dataDir: string): WriterLock {
    const path = join(dataDir, LOCK_FILE);
    privateFile(path);
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (cause) {
      throw new SunderError('STORE_CORRUPT', `the writer lock at ${path} cannot be opened as a SQLite database`, { cause });
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE; COMMIT');
      return new WriterLock(db);
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new SunderError('WRITER_LOCKED', `another writer (an Ingestor in this or another process) holds ${dataDir}; one writer per data directory`);
      }
      throw new SunderError('STORE_CORRUPT', `the writer lock at ${path} cannot be taken`, { cause: err });
    }
  }

  /** Lets the lock go; a second call does nothing. */
  release(): void {
    this.db?.close();
    this.db = undefined;
  }
}
