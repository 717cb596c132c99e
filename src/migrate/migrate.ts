/**
 * `sunder migrate`: upgrades a version 1 data folder to version 2 in place (FORMAT.md §9).
 *
 *   1. key files: add the key-row MAC key (key-files.ts)
 *   2. schemas: key rows gain identity key and MAC columns; records gain `binding`, set to 1 for
 *      every record already stored (its objects keep their version 1 context, which export uses)
 *   3. per subject: a new identity key pair, its secret wrapped to the officer; the row MACed
 *   4. per identity entry: opened with the officer key, its display forms moved inside, sealed
 *      again to the subject's identity key; the clear display column emptied
 *   5. the display column dropped, the vault vacuumed and its WAL truncated (no masked form
 *      left in a free page or the log), then both stores marked version 2
 *
 * Every step is idempotent and picks up what is left (rows without identity keys, entries
 * with a display form), so a run killed at any point and run again ends in the same store. Keys
 * are written before the entries that need them: an entry is never sealed to a key not stored.
 * Needs all three key files (the officer's to open entries) and the writer lock.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { identityContext } from '../crypto/contexts.js';
import { decryptObject, encryptObject } from '../crypto/format.js';
import { keyRowMac, verifyKeyRow, type KeyRowFields } from '../crypto/key-rows.js';
import { loadRoleKeys } from '../crypto/keys.js';
import { STANZA_X25519, X25519Identity, X25519Sender } from '../crypto/recipient.js';
import { publicKeyOf, SubjectKeyring } from '../crypto/subject-keys.js';
import { SunderError } from '../errors.js';
import { layoutOf } from '../layout.js';
import { WriterLock } from '../pipeline/lock.js';
import { openSqlite } from '../sqlite.js';
import { rowMacKeyCheck } from '../keystore/authenticated.js';
import { upgradeKeyFiles } from './key-files.js';

export interface MigrateOptions {
  /** @default "./sunder-data" */
  dataDir?: string;
  /** @default "<dataDir>/keys" */
  keysDir?: string;
  /** Rows per transaction. @default 200 */
  chunk?: number;
}

export interface MigrateReport {
  /** True when the folder was version 2 already: nothing was changed. */
  alreadyCurrent: boolean;
  keyFilesUpgraded: number;
  /** Subjects given an identity key pair (and a MAC on their key row) by this run. */
  subjectsKeyed: number;
  /** Identity entries sealed again to the identity key, display forms inside, by this run. */
  entriesResealed: number;
  /** Entries of erased subjects (no key left): their clear display forms deleted. */
  entriesShredded: number;
  /** Records whose business objects keep their version 1 context. */
  v1Records: number;
}

const META = 'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);';

/** `SUNDER_MIGRATE_KILL_AFTER=<n>`: SIGKILL after n units of work (the resumability test). */
const killAfter = Number(process.env.SUNDER_MIGRATE_KILL_AFTER ?? 'NaN');
let units = 0;
function step(): void {
  if (++units === killAfter) process.kill(process.pid, 'SIGKILL');
}

const version = (db: Database.Database) => (db.prepare("SELECT value FROM meta WHERE key = 'format_version'").get() as { value: string } | undefined)?.value;
const hasColumn = (db: Database.Database, table: string, column: string) =>
  (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as { name: string }[]).some((c) => c.name === column);

export async function migrateDataFolder(options: MigrateOptions = {}): Promise<MigrateReport> {
  const layout = layoutOf(options);
  const chunk = Math.max(1, options.chunk ?? 200);
  const report: MigrateReport = { alreadyCurrent: false, keyFilesUpgraded: 0, subjectsKeyed: 0, entriesResealed: 0, entriesShredded: 0, v1Records: 0 };
  if (!existsSync(layout.vault) || !existsSync(layout.keystore)) {
    throw new SunderError('FILE_NOT_FOUND', `no vault and key store in ${layout.dataDir} to migrate; pass --data DIR`);
  }
  const lock = WriterLock.acquire(layout.dataDir);
  let vault: Database.Database | undefined;
  let ks: Database.Database | undefined;
  try {
    vault = openSqlite(layout.vault, 'vault', META);
    ks = openSqlite(layout.keystore, 'key store', META, ['secure_delete = ON']);
    vault.pragma('secure_delete = ON');
    if (version(vault) === '2' && version(ks) === '2') {
      report.alreadyCurrent = true;
      return report;
    }
    report.keyFilesUpgraded = await upgradeKeyFiles(layout.keysDir, step);
    const officer = await loadRoleKeys(layout.keysDir, 'officer');
    const rowMacKey = officer.rowMacKey!;

    // 2. Schemas. Each ALTER (with its UPDATE) is one transaction: done wholly or not at all.
    ks.transaction(() => {
      for (const c of ['identity_public_key', 'identity_wrapped_officer', 'mac']) {
        if (!hasColumn(ks!, 'subject_keys', c)) ks!.exec(`ALTER TABLE subject_keys ADD COLUMN ${c} BLOB`);
      }
    })();
    vault.transaction(() => {
      if (!hasColumn(vault!, 'records', 'binding')) {
        vault!.exec('ALTER TABLE records ADD COLUMN binding INTEGER NOT NULL DEFAULT 2');
        vault!.exec('UPDATE records SET binding = 1');
      }
    })();
    report.v1Records = (vault.prepare('SELECT count(*) n FROM records WHERE binding = 1').get() as { n: number }).n;

    // 3. Identity keys, wrapped to the officer by one sender for the run (one X25519 in all).
    const role = new X25519Identity(officer.secretKey);
    const sender = new X25519Sender();
    const toOfficer = sender.recipient(officer.publicKey);
    const unkeyed = ks.prepare('SELECT rowid AS rid, key_id, public_key, wrapped_officer, wrapped_exporter FROM subject_keys WHERE identity_public_key IS NULL ORDER BY rowid LIMIT ?');
    const setKeys = ks.prepare('UPDATE subject_keys SET identity_public_key = ?, identity_wrapped_officer = ?, mac = ? WHERE rowid = ?');
    for (;;) {
      const rows = unkeyed.all(chunk) as { rid: number; key_id: string; public_key: Buffer; wrapped_officer: Buffer; wrapped_exporter: Buffer }[];
      if (rows.length === 0) break;
      const updates = rows.map((r) => {
        // The stored public key must be the one the officer's wrapped secret belongs to: a
        // version 1 key store had no MAC, and a public key swapped in it is caught here rather
        // than blessed with a MAC.
        const secret = role.unwrap([{ type: STANZA_X25519, body: r.wrapped_officer }]);
        if (secret === null || !Buffer.from(publicKeyOf(secret)).equals(r.public_key)) {
          throw new SunderError('KEYSTORE_TAMPERED', 'a version 1 key row\'s public key is not the one its officer-wrapped secret belongs to: the key store was altered; migration stopped', { path: ['subject_keys', 'public_key'] });
        }
        secret.fill(0);
        const identitySecret = new Uint8Array(randomBytes(32));
        const row: KeyRowFields = {
          keyId: r.key_id, publicKey: r.public_key, wrappedOfficer: r.wrapped_officer, wrappedExporter: r.wrapped_exporter,
          identityPublicKey: publicKeyOf(identitySecret), identityWrappedOfficer: toOfficer.wrap(identitySecret)[0]!.body,
        };
        identitySecret.fill(0);
        return { rid: r.rid, row };
      });
      ks.transaction(() => {
        for (const u of updates) setKeys.run(Buffer.from(u.row.identityPublicKey), Buffer.from(u.row.identityWrappedOfficer), keyRowMac(rowMacKey, u.row), u.rid);
      })();
      report.subjectsKeyed += updates.length;
      step();
    }

    // 4. Identity entries: display forms moved inside, sealed to the identity key.
    if (hasColumn(vault, 'identities', 'display')) {
      const keyring = new SubjectKeyring(officer);
      const pending = vault.prepare(`SELECT i.rowid AS rid, i.subject_id, i.entry, i.display, s.key_id FROM identities i
        LEFT JOIN subjects s ON s.subject_id = i.subject_id WHERE i.display <> '' ORDER BY i.rowid LIMIT ?`);
      const reseal = vault.prepare("UPDATE identities SET entry = ?, display = '' WHERE rowid = ?");
      const shred = vault.prepare("UPDATE identities SET display = '' WHERE rowid = ?");
      const keyRow = ks.prepare('SELECT key_id, public_key, wrapped_officer, wrapped_exporter, identity_public_key, identity_wrapped_officer, mac FROM subject_keys WHERE key_id = ?');
      for (;;) {
        const rows = pending.all(chunk) as { rid: number; subject_id: string; entry: Buffer; display: string; key_id: string | null }[];
        if (rows.length === 0) break;
        const writes: { rid: number; entry?: Uint8Array }[] = [];
        for (const r of rows) {
          const k = r.key_id === null ? undefined : (keyRow.get(r.key_id) as { key_id: string; public_key: Buffer; wrapped_officer: Buffer; wrapped_exporter: Buffer; identity_public_key: Buffer; identity_wrapped_officer: Buffer; mac: Buffer } | undefined);
          if (k === undefined) {
            // An erased subject: the entry no longer opens; only its clear display forms are left to delete.
            writes.push({ rid: r.rid });
            continue;
          }
          const fields: KeyRowFields = {
            keyId: k.key_id, publicKey: k.public_key, wrappedOfficer: k.wrapped_officer, wrappedExporter: k.wrapped_exporter,
            identityPublicKey: k.identity_public_key, identityWrappedOfficer: k.identity_wrapped_officer,
          };
          verifyKeyRow(rowMacKey, fields, k.mac);
          const business = keyring.identity(k.key_id, k.wrapped_officer);
          const context = identityContext(r.subject_id);
          const plain = decryptObject(business, r.entry, { context });
          const entry = { ...(JSON.parse(Buffer.from(plain).toString('utf8')) as Record<string, unknown>), display: JSON.parse(r.display) as unknown };
          plain.fill(0);
          const sealed = encryptObject(sender.recipient(k.identity_public_key), { objectId: randomBytes(16), keyId: k.key_id, context }, Buffer.from(JSON.stringify(entry), 'utf8'));
          writes.push({ rid: r.rid, entry: sealed });
        }
        vault.transaction(() => {
          for (const w of writes) {
            if (w.entry === undefined) shred.run(w.rid);
            else reseal.run(Buffer.from(w.entry), w.rid);
          }
        })();
        report.entriesResealed += writes.filter((w) => w.entry !== undefined).length;
        report.entriesShredded += writes.filter((w) => w.entry === undefined).length;
        step();
      }
      vault.exec('ALTER TABLE identities DROP COLUMN display');
      step();
    }

    // 5. No masked form left in a free page or the write-ahead log; then the version marks,
    // the vault's last: it is what ingest and export look at first.
    vault.exec('VACUUM');
    vault.pragma('wal_checkpoint(TRUNCATE)');
    ks.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('row_mac_key', ?)").run(rowMacKeyCheck(rowMacKey));
    ks.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('format_version', '2')").run();
    ks.pragma('wal_checkpoint(TRUNCATE)');
    step();
    vault.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('format_version', '2')").run();
    vault.pragma('wal_checkpoint(TRUNCATE)');
    return report;
  } finally {
    vault?.close();
    ks?.close();
    lock.release();
  }
}
