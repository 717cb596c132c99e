/**
 * Crypto-shredding that survives a restore. An erasure deletes the subject's key row; a key
 * store restored from a backup taken before it has the row back, and with it every backup of
 * the vault and the objects becomes readable for that subject again. So every command that
 * opens a key store beside a vault (ingest, export, the rights commands) first deletes the rows
 * of every subject the vault lists as erased, before anything else reads the key store.
 */
import type { KeyStore } from '../keystore/keystore.js';
import type { Vault } from '../vault/vault.js';

/** Deletes the key rows of erased subjects that the key store still holds; returns how many. */
export async function reshredErased(vault: Vault, keystore: KeyStore): Promise<number> {
  const erased = await vault.erasedKeyIds();
  if (erased.length === 0) return 0;
  const back = [...(await keystore.rows(erased)).keys()];
  await keystore.delete(back);
  return back.length;
}
