/**
 * Which on-disk format a data folder is in, and the refusal ingest gives a version 1 folder.
 * Ingest does not migrate on its own: migration needs the officer's key (to re-seal identity
 * entries with their display forms inside), which an ingest host must not hold.
 */
import type { IngestKeys, ReaderKeys } from '../crypto/keys.js';
import { SunderError } from '../errors.js';
import { AuthenticatedKeyStore } from '../keystore/authenticated.js';
import type { KeyStore } from '../keystore/keystore.js';
import type { Vault } from '../vault/vault.js';

const MIGRATE = 'run `sunder migrate` (with the ingest, officer and exporter key files) to upgrade it to version 2';

/** For ingest: both stores and the key file must be version 2; returns the MAC-checking key store. */
export function requireWritableFormat(vault: Vault, keystore: KeyStore, keys: IngestKeys): AuthenticatedKeyStore {
  if (vault.formatVersion !== 2 || keystore.formatVersion !== 2) {
    throw new SunderError('STORE_VERSION', `this data folder is in the version 1 format, which ingest no longer writes: ${MIGRATE}`);
  }
  if (keys.rowMacKey === undefined) throw new SunderError('STORE_VERSION', `the ingest key file is version 1 (no key-row MAC key): ${MIGRATE}`);
  return new AuthenticatedKeyStore(keystore, keys.rowMacKey);
}

/**
 * For readers: a version 2 store with version 2 keys (rows checked), or a version 1 store with
 * version 1 keys (read as before, unauthenticated: `undefined`). Mixed versions mean a migration
 * half done or key files from another store.
 */
export function readableFormat(vault: Vault, keystore: KeyStore, keys: ReaderKeys): AuthenticatedKeyStore | undefined {
  const v1 = vault.formatVersion === 1 && keystore.formatVersion === 1;
  if (v1 && keys.rowMacKey === undefined) return undefined;
  if (vault.formatVersion !== 2 || keystore.formatVersion !== 2) throw new SunderError('STORE_VERSION', `this data folder is (partly) in the version 1 format: ${MIGRATE}`);
  if (keys.rowMacKey === undefined) throw new SunderError('STORE_VERSION', `the ${keys.role} key file is version 1 but the store is version 2: ${MIGRATE}`);
  return new AuthenticatedKeyStore(keystore, keys.rowMacKey);
}
