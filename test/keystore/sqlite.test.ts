/**
 * The embedded key store: what ingest, export and recovery ask of it, on a fresh store and on
 * one made with the earlier WITHOUT ROWID table (stores keep the table they were created with).
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteKeyStore } from '../../src/keystore/sqlite.js';
import { tempDir } from '../helpers/tmp.js';

const row = (n: number) => ({
  keyId: `key-${n}`,
  publicKey: new Uint8Array(randomBytes(32)),
  wrappedOfficer: new Uint8Array(randomBytes(104)),
  wrappedExporter: new Uint8Array(randomBytes(104)),
  identityPublicKey: new Uint8Array(randomBytes(32)),
  identityWrappedOfficer: new Uint8Array(randomBytes(104)),
  mac: new Uint8Array(randomBytes(32)),
});

function olderStore(path: string): void {
  const db = new Database(path);
  db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE subject_keys (key_id TEXT PRIMARY KEY, public_key BLOB NOT NULL, wrapped_officer BLOB NOT NULL,
      wrapped_exporter BLOB NOT NULL, created_at TEXT NOT NULL, identity_public_key BLOB, identity_wrapped_officer BLOB, mac BLOB) WITHOUT ROWID;
    INSERT INTO meta VALUES ('format_version', '2');`);
  db.close();
}

describe.each([
  ['a new store', (_path: string) => undefined],
  ['a store made with the WITHOUT ROWID table', olderStore],
])('SqliteKeyStore on %s', (_name, prepare) => {
  it('stores, finds, refuses a duplicate key id, and deletes', async () => {
    const path = join(tempDir(), 'keystore.db');
    prepare(path);
    const ks = new SqliteKeyStore(path);
    const rows = Array.from({ length: 50 }, (_, i) => row(i));
    await ks.put(rows);
    const found = await ks.rows(['key-3', 'key-49', 'key-missing']);
    expect([...found.keys()].sort()).toEqual(['key-3', 'key-49']);
    expect(ks.formatVersion).toBe(2);
    // Every field comes back as stored (the MAC is checked above this layer, authenticated.ts).
    expect(found.get('key-3')).toEqual(rows[3]);
    expect(Buffer.from((await ks.rows(['key-7'])).get('key-7')!.wrappedOfficer)).toEqual(Buffer.from(rows[7]!.wrappedOfficer));
    // Key ids are unique either way: a second row for one id would make a subject's key ambiguous.
    await expect(ks.put([row(7)])).rejects.toThrow(/UNIQUE/);
    await ks.delete(['key-7']);
    expect((await ks.rows(['key-7'])).size).toBe(0);
    expect((await ks.rows(['key-8'])).size).toBe(1);
    await ks.close();
    // Erasure is crypto-shredding: the deleted key's wrapped bytes are gone from the file
    // (secure_delete), while its neighbours' are still there.
    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from(rows[7]!.wrappedOfficer))).toBe(false);
    expect(bytes.includes(Buffer.from(rows[7]!.wrappedExporter))).toBe(false);
    expect(bytes.includes(Buffer.from(rows[7]!.identityWrappedOfficer))).toBe(false);
    expect(bytes.includes(Buffer.from(rows[8]!.wrappedOfficer))).toBe(true);
  });
});
