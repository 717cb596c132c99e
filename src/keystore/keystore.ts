/**
 * The key store holds each subject's X25519 public key in clear and its secret key only wrapped,
 * once per reading role (officer, exporter). It is kept apart from the vault and the object
 * store, with its own short-lived backups: erasing a subject deletes their row here, and every
 * backup of the other two becomes unreadable for that subject (crypto-shredding).
 */

export interface SubjectKeyRow {
  keyId: string;
  publicKey: Uint8Array;
  /**
   * Subject secret key wrapped to the officer role: the body of an X25519 stanza (FORMAT.md §5)
   * from the ingest run's sender, opened with the officer's X25519 identity.
   */
  wrappedOfficer: Uint8Array;
  /** Subject secret key wrapped to the exporter role, as {@link wrappedOfficer}. */
  wrappedExporter: Uint8Array;
}

export interface KeyStore {
  /** Records which role keys wrapped the subject keys; a mismatch means the wrong key files. */
  checkOrSetRoleKeys(fingerprints: { officer: string; exporter: string }): Promise<{ mismatched: string[] }>;
  put(rows: SubjectKeyRow[]): Promise<void>;
  publicKeys(keyIds: string[]): Promise<Map<string, Uint8Array>>;
  wrapped(keyId: string, role: 'officer' | 'exporter'): Promise<Uint8Array | undefined>;
  delete(keyIds: string[]): Promise<void>;
  close(): Promise<void>;
}
