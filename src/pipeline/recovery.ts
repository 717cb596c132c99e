/**
 * Repairs what a killed run left: every object or key named by a pending mark was written (or
 * about to be) by a batch that never reached its commit point, so it is deleted, and the batch's
 * records are simply ingested again by the re-run.
 */
import type { KeyStore } from '../keystore/keystore.js';
import type { ObjectStore } from '../store/object-store.js';
import type { Vault } from '../vault/vault.js';

export interface RecoveryReport {
  objectsRemoved: number;
  keysRemoved: number;
}

export async function recover(vault: Vault, keystore: KeyStore, store: ObjectStore): Promise<RecoveryReport> {
  const pending = await vault.listPending();
  if (pending.length === 0) return { objectsRemoved: 0, keysRemoved: 0 };
  const objects = pending.filter((p) => p.ref.startsWith('object:')).map((p) => p.ref.slice('object:'.length));
  const keyIds = pending.filter((p) => p.ref.startsWith('key:')).map((p) => p.ref.slice('key:'.length));
  for (const key of objects) await store.delete(key);
  // A key id the vault knows belongs to a committed subject (another batch may have committed
  // it): only keys of subjects that never reached the vault are orphans.
  const live = await vault.hasKeyIds(keyIds);
  const orphans = keyIds.filter((k) => !live.has(k));
  await keystore.delete(orphans);
  await vault.clearPending(pending.map((p) => p.ref));
  return { objectsRemoved: objects.length, keysRemoved: orphans.length };
}
