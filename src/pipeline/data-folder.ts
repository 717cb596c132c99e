/**
 * A data folder is made once, whole, and never patched up afterwards.
 *
 * Only a brand-new folder (absent, empty, or holding nothing but its role keys) is initialised,
 * by `sunder init` or the first ingest. A folder that holds some of its pieces but not others
 * (vault.db deleted, keys/ emptied, the key store replaced by an empty file) is refused with
 * `DATA_INCOMPLETE` naming what is missing: recreating the piece would look like success while
 * every subject in it was lost or could no longer be found, and fresh keys beside old stores
 * would make new pseudonyms for old people.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { createRoleKeys, keyFilePath, presentRoleKeys, type Role } from '../crypto/keys.js';
import Database from 'better-sqlite3';
import { privateDir, privateFile } from '../dirs.js';
import { SunderError } from '../errors.js';
import type { Layout } from '../layout.js';
import { LOCK_FILE } from './lock.js';

/** Which stores live in the data folder (a backend passed in is none of its pieces). */
export interface LocalStores {
  vault: boolean;
  keystore: boolean;
  objects: boolean;
}

export interface DataFolderOptions {
  /** Create the role keys when a brand-new folder has none. @default true */
  createKeys?: boolean;
  /** Where each role's key file goes when keys are created; the rest go into `layout.keysDir`. */
  keyFiles?: Partial<Record<Role, string>>;
  onNotice?: (message: string) => void;
}

export type DataFolderState = { kind: 'new' } | { kind: 'complete' };

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** A store file that exists and is not empty (SQLite would silently make a 0-byte file a new store). */
function present(path: string, kind: 'file' | 'dir'): boolean {
  if (!existsSync(path)) return false;
  const st = statSync(path);
  return kind === 'dir' ? st.isDirectory() : st.isFile() && st.size > 0;
}

/** A non-empty file, or a folder with such a file somewhere inside. */
function holdsData(path: string): boolean {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size > 0;
  return readdirSync(path).some((e) => holdsData(join(path, e)));
}

/**
 * True when the vault exists but no run ever started in it: what an init cut short (a full disk
 * between creating vault.db and keystore.db) leaves. Nothing was acknowledged, so the folder is
 * initialised again rather than refused.
 */
function neverRan(vaultPath: string): boolean {
  if (!present(vaultPath, 'file')) return false;
  try {
    const db = new Database(vaultPath, { readonly: true, fileMustExist: true });
    try {
      // The schema itself may never have committed (the disk filled while SQLite created it).
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'subjects')").get() as { n: number };
      if (tables.n < 2) return true;
      const runs = db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number };
      const subjects = db.prepare('SELECT count(*) AS n FROM subjects').get() as { n: number };
      return runs.n === 0 && subjects.n === 0;
    } finally {
      db.close();
    }
  } catch {
    return false; // not a vault we can read: let the checks below name what is wrong
  }
}

/**
 * Says whether the folder is brand-new or complete, and throws `DATA_INCOMPLETE` otherwise.
 * Call it holding the writer lock: two writers must not both decide to initialise.
 */
export function inspectDataFolder(layout: Layout, stores: LocalStores): DataFolderState {
  const keysInside = isInside(layout.dataDir, layout.keysDir);
  const pieces: { name: string; present: boolean }[] = [];
  if (stores.vault) pieces.push({ name: basename(layout.vault), present: present(layout.vault, 'file') });
  if (stores.keystore) pieces.push({ name: basename(layout.keystore), present: present(layout.keystore, 'file') });
  if (stores.objects) pieces.push({ name: `${basename(layout.objects)}/`, present: present(layout.objects, 'dir') });
  // The keys folder (made by `sunder keys` first), the lock file, and what an interrupted init
  // left (empty store files and folders) make no folder "in use".
  const keysEntry = keysInside && dirname(layout.keysDir) === layout.dataDir ? basename(layout.keysDir) : undefined;
  const entries = existsSync(layout.dataDir) ? readdirSync(layout.dataDir) : [];
  const used = entries.filter((e) => e !== keysEntry && e !== LOCK_FILE && !e.startsWith(`${LOCK_FILE}-`) && holdsData(join(layout.dataDir, e)));
  if (used.length === 0) return { kind: 'new' };
  if (keysInside) {
    const ingestKey = keyFilePath(layout.keysDir, 'ingest');
    pieces.push({ name: relative(layout.dataDir, ingestKey), present: present(ingestKey, 'file') });
  }
  const absent = pieces.filter((p) => !p.present);
  // An init cut short (a full disk after the vault's schema, before the key store's) left its
  // pieces as empty files and nothing was ever acknowledged: initialise it again.
  if (absent.length > 0 && stores.vault && absent.every((p) => existsSync(join(layout.dataDir, p.name))) && neverRan(layout.vault)) {
    return { kind: 'new' };
  }
  const missing = absent.map((p) => p.name);
  if (missing.length > 0) {
    throw new SunderError('DATA_INCOMPLETE', `the data folder ${layout.dataDir} is in use but ${missing.join(', ')} ` +
      `${missing.length === 1 ? 'is' : 'are'} missing or empty; refusing to recreate ${missing.length === 1 ? 'it' : 'them'} ` +
      '(restore from backup, or point --data at a new folder)');
  }
  return { kind: 'complete' };
}



/**
 * Says what was made and where. When the officer's and exporter's secrets went into the keys
 * folder (nobody said where else), this is the one-machine trial setup, and the notice says so
 * plainly: those two files must not stay on an ingestion host that handles real data.
 */
export function keysCreatedNotice(keysDir: string, files: string[]): string {
  const [ingest, officer, exporter] = files as [string, string, string];
  const local = [officer, exporter].filter((f) => dirname(f) === keysDir).map((f) => basename(f));
  const placed = [officer, exporter].filter((f) => dirname(f) !== keysDir);
  const parts = [`created role keys in ${dirname(ingest)}: ${basename(ingest)} (index and pseudonym keys, the officer's and exporter's public keys)` +
    (local.length > 0 ? `, ${local.join(', ')}` : '')];
  if (placed.length > 0) parts.push(`wrote ${placed.map((f) => `${basename(f, '.json')}'s secret key to ${f}`).join(' and ')}`);
  if (local.length > 0) {
    parts.push(`generated the ${local.map((f) => basename(f, '.json')).join(' and ')} SECRET key${local.length > 1 ? 's' : ''} ` +
      `in ${keysDir} (${local.join(', ')}) for a one-machine trial; with real data keep only ingest.json on an ingestion host: ` +
      'make the keys with `sunder keys --officer-out F --exporter-out F` before the first ingest (README, "Keys and roles")');
  }
  return parts.join('; ');
}

/**
 * Initialises a brand-new folder: its directories and store files 0700/0600, and the role keys
 * when none exist yet (into `keysDir`, or where `keyFiles` says). Stores passed in as backends
 * are the caller's.
 */
export async function initDataFolder(layout: Layout, stores: LocalStores, options: DataFolderOptions = {}): Promise<{ keyFiles: string[] }> {
  privateDir(layout.dataDir);
  let keyFiles: string[] = [];
  if (!existsSync(keyFilePath(layout.keysDir, 'ingest')) && presentRoleKeys(layout.keysDir).length === 0 && options.createKeys !== false) {
    keyFiles = (await createRoleKeys(layout.keysDir, options.keyFiles)).files;
    options.onNotice?.(keysCreatedNotice(layout.keysDir, keyFiles));
  }
  if (stores.vault) privateFile(layout.vault);
  if (stores.keystore) privateFile(layout.keystore);
  if (stores.objects) privateDir(layout.objects);
  privateDir(layout.runs);
  return { keyFiles };
}
