/**
 * The key store as ingest and the readers use it: every row it hands out has passed its MAC
 * (key-rows.ts) under the key-row MAC key from the role key file, which the key store does not
 * hold. Whoever can write the key store can delete rows (erasure is a delete) but cannot
 * replace a public key or a wrapped key unnoticed: ingest refuses to wrap to it and readers to
 * unwrap from it, with KEYSTORE_TAMPERED.
 */
import { scopedToken } from '../crypto/hmac.js';
import { keyRowMac, verifyKeyRow, type KeyRowFields } from '../crypto/key-rows.js';
import type { SubjectPublicKeys } from '../crypto/subject-keys.js';
import { SunderError } from '../errors.js';
import type { KeyStore, SubjectKeyRow } from './keystore.js';

/** A check value of the key-row MAC key, kept in the key store's meta (never the key itself). */
export function rowMacKeyCheck(rowMacKey: Uint8Array): string {
  return scopedToken(rowMacKey, 'sunder-key-check', 'row-mac');
}

export class AuthenticatedKeyStore {
  constructor(readonly inner: KeyStore, private readonly rowMacKey: Uint8Array) {
    if (inner.formatVersion !== 2) {
      throw new SunderError('STORE_VERSION', 'the key store is version 1 (no identity keys, no row MACs): run `sunder migrate` first');
    }
  }

  /** As the key store's, plus the key-row MAC key's check value (reported as `row_mac`). */
  checkOrSetRoleKeys(fingerprints: { officer?: string; exporter?: string }): Promise<{ mismatched: string[] }> {
    return this.inner.checkOrSetRoleKeys({ ...fingerprints, row_mac: rowMacKeyCheck(this.rowMacKey) });
  }

  /**
   * For readers: KEYS_WRONG when the key-row MAC key is not this store's, so key files from
   * another store are named as such rather than as tampering (every row's MAC would fail).
   */
  async checkRowMacKey(): Promise<void> {
    const { mismatched } = await this.checkOrSetRoleKeys({});
    if (mismatched.length > 0) throw new SunderError('KEYS_WRONG', 'the key-row MAC key in this key file does not belong to this key store: these are not the key files this store was written with');
  }

  /** Stores new subjects' rows, each with its MAC. */
  put(rows: KeyRowFields[]): Promise<void> {
    return this.inner.put(rows.map((r) => ({ ...r, mac: keyRowMac(this.rowMacKey, r) })));
  }

  /** The checked rows of these key ids (absent ids are left out: erased subjects). */
  async rows(keyIds: string[]): Promise<Map<string, KeyRowFields>> {
    const out = new Map<string, KeyRowFields>();
    for (const [id, row] of await this.inner.rows(keyIds)) out.set(id, this.check(row));
    return out;
  }

  /** One checked row, or undefined when the subject's keys are gone (erased). */
  async row(keyId: string): Promise<KeyRowFields | undefined> {
    return (await this.rows([keyId])).get(keyId);
  }

  /** The checked public keys of these key ids, for wrapping. */
  async publicKeys(keyIds: string[]): Promise<Map<string, SubjectPublicKeys>> {
    const out = new Map<string, SubjectPublicKeys>();
    for (const [id, row] of await this.rows(keyIds)) out.set(id, { business: row.publicKey, identity: row.identityPublicKey });
    return out;
  }

  delete(keyIds: string[]): Promise<void> {
    return this.inner.delete(keyIds);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private check(row: SubjectKeyRow): KeyRowFields {
    if (row.identityPublicKey === undefined || row.identityWrappedOfficer === undefined) {
      // A version 2 row always has both; one without is a v1 row put back, or a forgery.
      throw new SunderError('KEYSTORE_TAMPERED', 'a key-store row has no identity key in a version 2 key store: the key store was altered', { path: ['subject_keys', 'identity_public_key'] });
    }
    const fields: KeyRowFields = {
      keyId: row.keyId, publicKey: row.publicKey, wrappedOfficer: row.wrappedOfficer, wrappedExporter: row.wrappedExporter,
      identityPublicKey: row.identityPublicKey, identityWrappedOfficer: row.identityWrappedOfficer,
    };
    verifyKeyRow(this.rowMacKey, fields, row.mac);
    return fields;
  }
}
