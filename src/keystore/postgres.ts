/**
 * The key store on PostgreSQL: its own connection string, so it can live in another database or
 * on another server than the vault (which is the point of keeping it apart). Erasure deletes the
 * row; the dead tuple is gone from the heap after VACUUM, and from backups as they expire, which
 * is the key store's own short backup retention (THREAT-MODEL.md).
 */
import type pg from 'pg';
import { checkOrSetMetaPg, ensureSchema, openPool, unavailable } from '../postgres.js';
import { subjectKeyRowOf, type KeyStore, type StoredKeyRow, type StoreVersion, type SubjectKeyRow } from './keystore.js';
import { KEYSTORE_MIGRATIONS } from './postgres-migrations.js';

type Row = StoredKeyRow;

export class PostgresKeyStore implements KeyStore {
  readonly formatVersion: StoreVersion = 2;
  /** Many hosts may write at once: no writer lock is taken for this key store. */
  readonly concurrentWriters = true;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  /** Opens the key store a `postgres://` URL names, creating the schema in an empty database. */
  static async open(connectionString: string): Promise<PostgresKeyStore> {
    const pool = openPool(connectionString, 'keystore');
    try {
      await ensureSchema(pool, 'keystore', KEYSTORE_MIGRATIONS);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw unavailable('key store', err);
    }
    return new PostgresKeyStore(pool);
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw unavailable('key store', err);
    }
  }

  async checkOrSetRoleKeys(fingerprints: { officer?: string; exporter?: string; row_mac?: string }): Promise<{ mismatched: string[] }> {
    const values = Object.fromEntries(Object.entries(fingerprints).filter(([, fp]) => fp !== undefined).map(([role, fp]) => [`${role}_key`, fp!]));
    const mismatched = await this.run(() => checkOrSetMetaPg(this.pool, values));
    return { mismatched: mismatched.map((key) => key.slice(0, -'_key'.length)) };
  }

  async put(rows: SubjectKeyRow[]): Promise<void> {
    if (rows.length === 0) return;
    const blob = (u: Uint8Array | undefined) => (u === undefined ? null : Buffer.from(u));
    // One statement for the batch: unnest of arrays, no ON CONFLICT (a duplicate key id is a bug
    // or an attack, and fails the batch).
    await this.run(() => this.pool.query(`INSERT INTO subject_keys (key_id, public_key, wrapped_officer, wrapped_exporter, identity_public_key, identity_wrapped_officer, mac)
      SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[], $7::bytea[])`,
    [rows.map((r) => r.keyId), rows.map((r) => Buffer.from(r.publicKey)), rows.map((r) => Buffer.from(r.wrappedOfficer)),
      rows.map((r) => Buffer.from(r.wrappedExporter)), rows.map((r) => blob(r.identityPublicKey)), rows.map((r) => blob(r.identityWrappedOfficer)),
      rows.map((r) => blob(r.mac))]));
  }

  async rows(keyIds: string[]): Promise<Map<string, SubjectKeyRow>> {
    const out = new Map<string, SubjectKeyRow>();
    if (keyIds.length === 0) return out;
    const res = await this.run(() => this.pool.query<Row>(`SELECT key_id, public_key, wrapped_officer, wrapped_exporter, identity_public_key,
      identity_wrapped_officer, mac FROM subject_keys WHERE key_id = ANY($1::text[])`, [keyIds]));
    for (const r of res.rows) {
      out.set(r.key_id, subjectKeyRowOf(r));
    }
    return out;
  }

  async delete(keyIds: string[]): Promise<void> {
    if (keyIds.length === 0) return;
    await this.run(() => this.pool.query('DELETE FROM subject_keys WHERE key_id = ANY($1::text[])', [keyIds]));
  }

  /** Row count (stats and tests; beyond the KeyStore interface). */
  async count(): Promise<number> {
    const r = await this.run(() => this.pool.query<{ n: string }>('SELECT count(*) AS n FROM subject_keys'));
    return Number(r.rows[0]!.n);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
