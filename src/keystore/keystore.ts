/**
 * The key store holds each subject's X25519 public keys in clear and their secret keys only
 * wrapped: the business key once per reading role (officer, exporter), the identity key to the
 * officer only (format 2). It is kept apart from the vault and the object store, with its own
 * short-lived backups: erasing a subject deletes their row here, and every backup of the other
 * two becomes unreadable for that subject (crypto-shredding).
 *
 * A row is authenticated by a MAC under a key the key store never holds (key-rows.ts); the raw
 * store only keeps it. `AuthenticatedKeyStore` (authenticated.ts) makes and checks it.
 */

/** On-disk version of a store: 1 (no identity keys, no row MACs) or 2. */
export type StoreVersion = 1 | 2;

export interface SubjectKeyRow {
  keyId: string;
  /** The business public key. */
  publicKey: Uint8Array;
  /**
   * Business secret key wrapped to the officer role: the body of an X25519 stanza (FORMAT.md §5)
   * from the ingest run's sender, opened with the officer's X25519 identity.
   */
  wrappedOfficer: Uint8Array;
  /** Business secret key wrapped to the exporter role, as {@link wrappedOfficer}. */
  wrappedExporter: Uint8Array;
  /** The identity public key (format 2; absent in a version 1 row). */
  identityPublicKey?: Uint8Array;
  /** The identity secret key wrapped to the officer, as {@link wrappedOfficer} (format 2). */
  identityWrappedOfficer?: Uint8Array;
  /** HMAC over the other fields under the key-row MAC key (format 2; FORMAT.md §8). */
  mac?: Uint8Array;
}

export interface KeyStore {
  /** The store's on-disk version; a new store is created at the current version (2). */
  readonly formatVersion: StoreVersion;
  /** True when any number of processes may write at once (PostgreSQL); see Vault.concurrentWriters. */
  readonly concurrentWriters?: boolean;
  /**
   * Records which role keys wrapped the subject keys (and, format 2, a check value of the key-row
   * MAC key); a mismatch means the wrong key files. Absent names are not checked.
   */
  checkOrSetRoleKeys(fingerprints: { officer?: string; exporter?: string; row_mac?: string }): Promise<{ mismatched: string[] }>;
  put(rows: SubjectKeyRow[]): Promise<void>;
  /** The stored rows of these key ids, unchecked (AuthenticatedKeyStore checks them). */
  rows(keyIds: string[]): Promise<Map<string, SubjectKeyRow>>;
  delete(keyIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** A `subject_keys` row as both SQL drivers return it (snake_case columns, BLOB/bytea as Buffer). */
export interface StoredKeyRow {
  key_id: string; public_key: Buffer; wrapped_officer: Buffer; wrapped_exporter: Buffer;
  identity_public_key: Buffer | null; identity_wrapped_officer: Buffer | null; mac: Buffer | null;
}

/** The row as the KeyStore interface hands it out: format 1 rows lack the identity key and MAC. */
export function subjectKeyRowOf(r: StoredKeyRow): SubjectKeyRow {
  return {
    keyId: r.key_id,
    publicKey: new Uint8Array(r.public_key),
    wrappedOfficer: new Uint8Array(r.wrapped_officer),
    wrappedExporter: new Uint8Array(r.wrapped_exporter),
    ...(r.identity_public_key === null ? {} : { identityPublicKey: new Uint8Array(r.identity_public_key) }),
    ...(r.identity_wrapped_officer === null ? {} : { identityWrappedOfficer: new Uint8Array(r.identity_wrapped_officer) }),
    ...(r.mac === null ? {} : { mac: new Uint8Array(r.mac) }),
  };
}
