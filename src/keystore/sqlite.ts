/** The embedded key store on SQLite, in its own file beside (never inside) the vault. */
import type Database from 'better-sqlite3';
import { checkOrSetMeta, openSqlite, selectIn } from '../sqlite.js';
import { subjectKeyRowOf, type KeyStore, type StoredKeyRow, type StoreVersion, type SubjectKeyRow } from './keystore.js';

const META = 'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);';
/**
 * Format 2. A version 1 table lacks the last three key columns (`sunder migrate` adds them);
 * `mac` authenticates the row (FORMAT.md §8).
 */
const SCHEMA = `
${META}
-- A rowid table with a unique index on key_id, not a WITHOUT ROWID table keyed by it: key ids
-- are random, and ~300-byte rows inserted at random places split and dirty a table page per new
-- subject; appended rows fill pages densely, and only the small index entries land at random
-- (measured: 40 -> 22 µs per key row, 290 rows per transaction). Stores made before keep the
-- old table; the queries are the same for both.
CREATE TABLE IF NOT EXISTS subject_keys (
  key_id TEXT NOT NULL UNIQUE, public_key BLOB NOT NULL, wrapped_officer BLOB NOT NULL,
  wrapped_exporter BLOB NOT NULL, created_at TEXT NOT NULL,
  identity_public_key BLOB, identity_wrapped_officer BLOB, mac BLOB);
`;

/**
 * The store's version from its meta table: `format_version`, else 1 for a store made before
 * versions were recorded, else (a new file) the current version, recorded now.
 */
export function storeVersionOf(db: Database.Database, schema: string, mainTable: string): StoreVersion {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'format_version'").get() as { value: string } | undefined;
  if (row !== undefined) return Number(row.value) === 1 ? 1 : 2;
  const existing = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(mainTable);
  if (existing !== undefined) return 1;
  db.transaction(() => {
    db.exec(schema);
    db.prepare("INSERT INTO meta (key, value) VALUES ('format_version', '2')").run();
  })();
  return 2;
}

type Row = StoredKeyRow;

export class SqliteKeyStore implements KeyStore {
  readonly formatVersion: StoreVersion;
  private readonly db: Database.Database;
  private readonly insert;
  private readonly remove;
  private readonly prepared = new Map<string, Database.Statement>();
  private readonly columns: string;

  constructor(path: string) {
    // secure_delete: erased keys must not linger in free pages of the file.
    this.db = openSqlite(path, 'key store', META, ['secure_delete = ON']);
    this.formatVersion = storeVersionOf(this.db, SCHEMA, 'subject_keys');
    this.db.exec(SCHEMA);
    const v2 = this.formatVersion === 2;
    this.columns = `key_id, public_key, wrapped_officer, wrapped_exporter, ${v2 ? 'identity_public_key, identity_wrapped_officer, mac' : 'NULL AS identity_public_key, NULL AS identity_wrapped_officer, NULL AS mac'}`;
    this.insert = v2
      ? this.db.prepare('INSERT INTO subject_keys (key_id, public_key, wrapped_officer, wrapped_exporter, identity_public_key, identity_wrapped_officer, mac, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      : undefined;
    this.remove = this.db.prepare('DELETE FROM subject_keys WHERE key_id = ?');
  }

  async checkOrSetRoleKeys(fingerprints: { officer?: string; exporter?: string; row_mac?: string }) {
    // Stored as `<role>_key`; reported by role.
    const values = Object.fromEntries(Object.entries(fingerprints).filter(([, fp]) => fp !== undefined).map(([role, fp]) => [`${role}_key`, fp!]));
    return { mismatched: checkOrSetMeta(this.db, values).map((key) => key.slice(0, -'_key'.length)) };
  }

  async put(rows: SubjectKeyRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.insert === undefined) throw new Error('[sunder] a version 1 key store is written only by `sunder migrate`');
    const insert = this.insert;
    const now = new Date().toISOString();
    const blob = (u: Uint8Array | undefined) => (u === undefined ? null : Buffer.from(u));
    this.db.transaction(() => {
      for (const r of rows) {
        insert.run(r.keyId, Buffer.from(r.publicKey), Buffer.from(r.wrappedOfficer), Buffer.from(r.wrappedExporter),
          blob(r.identityPublicKey), blob(r.identityWrappedOfficer), blob(r.mac), now);
      }
    })();
  }

  async rows(keyIds: string[]): Promise<Map<string, SubjectKeyRow>> {
    const out = new Map<string, SubjectKeyRow>();
    for (const r of selectIn<Row>(this.db, this.prepared, `SELECT ${this.columns} FROM subject_keys WHERE key_id IN`, keyIds)) {
      out.set(r.key_id, subjectKeyRowOf(r));
    }
    return out;
  }

  async delete(keyIds: string[]): Promise<void> {
    if (keyIds.length === 0) return;
    const removed = this.db.transaction(() => {
      let n = 0;
      for (const id of keyIds) n += this.remove.run(id).changes;
      return n;
    })();
    // Erasure is this delete: secure_delete zeroed the rows in their pages; the checkpoint
    // copies those pages into the file and truncates the WAL, whose older frames still held the
    // wrapped keys as inserted.
    if (removed > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
