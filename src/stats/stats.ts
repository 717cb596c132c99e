/**
 * How much is stored, per store: the vault's subjects and records, the object store's objects
 * (and their bytes where the store can say), the database files' sizes. Read-only: nothing is
 * created, no lock is taken, and a data folder that was never initialised is an error rather
 * than a set of zeros made by opening empty databases.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SunderError } from '../errors.js';
import { layoutOf } from '../layout.js';
import { FsObjectStore } from '../store/fs.js';
import type { ObjectStore } from '../store/object-store.js';
import type { Vault } from '../vault/vault.js';

/** Object key prefixes the pipeline writes (object-store.ts: `segments/<id>`, `media/<id>`). */
export const OBJECT_PREFIXES = ['segments', 'media'] as const;

export interface StoreStats {
  vault: { driver: string; subjects: number; records: number; segments: number; identities: number; bytes: number | null };
  keystore: { driver: string; bytes: number | null };
  objects: { driver: string; objects: number; bytes: number | null; byPrefix: Record<string, { objects: number; bytes: number | null }> };
}

export interface StatsOptions {
  dataDir?: string;
  keysDir?: string;
  /** Another object store (S3); `<data>/objects` otherwise. */
  store?: ObjectStore;
  /** Another vault (PostgreSQL); `<data>/vault.db` otherwise, opened only if it exists. */
  vault?: Vault;
  /** Folder of a file store given by URL, so its bytes can be counted. */
  storeRoot?: string;
}

/** A SQLite file's size with its write-ahead log. */
function sqliteBytes(path: string): number {
  return [path, `${path}-wal`].filter((p) => existsSync(p)).reduce((n, p) => n + statSync(p).size, 0);
}

export async function collectStats(options: StatsOptions = {}): Promise<StoreStats> {
  const layout = layoutOf(options);
  let vault = options.vault;
  let ownVault = false;
  if (vault === undefined) {
    // Opening a missing vault.db would create it: refuse before that.
    if (!existsSync(layout.vault) || statSync(layout.vault).size === 0) {
      throw new SunderError('FILE_NOT_FOUND', `no vault at ${layout.vault}: nothing has been stored in this data folder (pass --data DIR)`);
    }
    const { SqliteVault } = await import('../vault/sqlite.js');
    vault = new SqliteVault(layout.vault);
    ownVault = true;
  }
  try {
    const counts = await vault.counts();
    const store = options.store ?? new FsObjectStore(layout.objects);
    const root = options.store === undefined ? layout.objects : options.storeRoot;
    const byPrefix: StoreStats['objects']['byPrefix'] = {};
    for (const prefix of OBJECT_PREFIXES) {
      let objects = 0;
      let bytes: number | null = root === undefined ? null : 0;
      for await (const key of store.list(prefix)) {
        objects++;
        if (bytes !== null && root !== undefined) {
          try {
            bytes += statSync(join(root, key)).size;
          } catch {
            // removed between the listing and the stat (a concurrent erasure): not counted
          }
        }
      }
      byPrefix[prefix] = { objects, bytes };
    }
    const prefixes = Object.values(byPrefix);
    return {
      vault: { driver: options.vault === undefined ? 'sqlite' : 'external', ...counts, bytes: options.vault === undefined ? sqliteBytes(layout.vault) : null },
      keystore: { driver: 'sqlite', bytes: existsSync(layout.keystore) ? sqliteBytes(layout.keystore) : null },
      objects: {
        driver: store.name,
        objects: prefixes.reduce((n, p) => n + p.objects, 0),
        bytes: prefixes.some((p) => p.bytes === null) ? null : prefixes.reduce((n, p) => n + p.bytes!, 0),
        byPrefix,
      },
    };
  } finally {
    if (ownVault) await vault.close();
  }
}
