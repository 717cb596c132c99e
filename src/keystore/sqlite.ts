/** The embedded key store on SQLite, in its own file beside (never inside) the vault. */
import Database from 'better-sqlite3';
import { checkOrSetMeta, openSqlite, selectIn } from '../sqlite.js';
import type { KeyStore, SubjectKeyRow } from './keystore.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- A rowid table with a unique index on key_id, not a WITHOUT ROWID table keyed by it: key ids
-- are random, and ~300-byte rows inserted at random places split and dirty a table page per new
-- subject; appended rows fill pages densely, and only the small index entries land at random
-- (measured: 40 -> 22 µs per key row, 290 rows per transaction). Stores made before keep the
-- old table; the queries are the same for both.
CREATE TABLE IF NOT EXISTS subject_keys (
  key_id TEXT NOT NULL UNIQUE, public_key BLOB NOT NULL, wrapped_officer BLOB NOT NULL,
  wrapped_exporter BLOB NOT NULL, created_at TEXT NOT NULL);
`;

export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly insert;
  private readonly remove;
  private readonly prepared = new Map<string, Database.Statement>();
  private wrappedOfficer: Database.Statement | undefined;
  private wrappedExporter: Database.Statement | undefined;

  constructor(path: string) {
    // secure_delete: erased keys must not linger in free pages of the file.
    this.db = openSqlite(path, 'key store', SCHEMA, ['secure_delete = ON']);
    this.insert = this.db.prepare(
      'INSERT INTO subject_keys (key_id, public_key, wrapped_officer, wrapped_exporter, created_at) VALUES (?, ?, ?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM subject_keys WHERE key_id = ?');
  }

  async checkOrSetRoleKeys(fingerprints: { officer: string; exporter: string }) {
    // Stored as `<role>_key`; reported by role.
    const values = Object.fromEntries(Object.entries(fingerprints).map(([role, fp]) => [`${role}_key`, fp]));
    return { mismatched: checkOrSetMeta(this.db, values).map((key) => key.slice(0, -'_key'.length)) };
  }

  async put(rows: SubjectKeyRow[]): Promise<void> {
    if (rows.length === 0) return;
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const r of rows) {
        this.insert.run(r.keyId, Buffer.from(r.publicKey), Buffer.from(r.wrappedOfficer), Buffer.from(r.wrappedExporter), now);
      }
    })();
  }

  async publicKeys(keyIds: string[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    const rows = selectIn<{ key_id: string; public_key: Buffer }>(this.db, this.prepared, 'SELECT key_id, public_key FROM subject_keys WHERE key_id IN', keyIds);
    for (const r of rows) out.set(r.key_id, new Uint8Array(r.public_key));
    return out;
  }

  async wrapped(keyId: string, role: 'officer' | 'exporter'): Promise<Uint8Array | undefined> {
    // Prepared once per role: an export asks this for every record it writes.
    const stmt = role === 'officer' ? (this.wrappedOfficer ??= this.db.prepare('SELECT wrapped_officer AS w FROM subject_keys WHERE key_id = ?'))
      : (this.wrappedExporter ??= this.db.prepare('SELECT wrapped_exporter AS w FROM subject_keys WHERE key_id = ?'));
    const row = stmt.get(keyId) as { w: Buffer } | undefined;
    return row === undefined ? undefined : new Uint8Array(row.w);
  }

  async delete(keyIds: string[]): Promise<void> {
    this.db.transaction(() => {
      for (const id of keyIds) this.remove.run(id);
    })();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
