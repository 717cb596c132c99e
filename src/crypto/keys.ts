/**
 * Role keys, one file per role, so each file can live on the one host whose role needs it:
 *
 * | file          | holds                                                        | can                        |
 * | ingest.json   | index key, pseudonym key, officer + exporter PUBLIC keys     | write both sides, read none |
 * | officer.json  | officer X25519 secret key                                    | open identity entries      |
 * | exporter.json | exporter X25519 secret key                                   | decrypt business objects   |
 *
 * Each subject has a business key pair (wrapped to the officer and the exporter) and an identity
 * key pair (wrapped to the officer only); the ingest role never holds a secret that opens
 * anything stored. The exporter file also holds the index key (from this version on), for the
 * export's leak check (src/export/leak-check.ts; THREAT-MODEL.md says what that costs). Version 2 files also hold the key-row MAC key (all three files the same key):
 * it authenticates the key store's rows, and the key store itself never holds it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { makeDirs } from '../dirs.js';
import { SunderError } from '../errors.js';
import { scopedToken } from './hmac.js';
import { generateX25519KeyPair, x25519KeyPairFromSecretKey } from './x25519.js';

export type Role = 'ingest' | 'officer' | 'exporter';
export const ROLES: readonly Role[] = ['ingest', 'officer', 'exporter'];

export interface IngestKeys {
  role: 'ingest';
  indexKey: Uint8Array;
  pseudonymKey: Uint8Array;
  officerPublicKey: Uint8Array;
  exporterPublicKey: Uint8Array;
  /** Key-row MAC key (FORMAT.md §8); absent in a version 1 file, which ingest refuses. */
  rowMacKey?: Uint8Array;
  version: KeyFileVersion;
}

export interface ReaderKeys {
  role: 'officer' | 'exporter';
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  /** Key-row MAC key; absent in a version 1 file (then only a version 1 store can be read). */
  rowMacKey?: Uint8Array;
  /** Exporter only, in files made since the export's leak check: the blind-index key. */
  indexKey?: Uint8Array;
  version: KeyFileVersion;
}

/** Version 1: no key-row MAC key. Version 2 adds `rowMacKey`. Readers read both; writers write 2. */
export type KeyFileVersion = 1 | 2;

export type RoleKeys = IngestKeys | ReaderKeys;

/** Short public fingerprint of a public key: names a key in the stores without revealing anything. */
export function keyFingerprint(publicKey: Uint8Array): string {
  return scopedToken(publicKey, 'sunder-key-fingerprint', 'v1', 16);
}

export const KEY_FILE_VERSION = 2;
const FILE_VERSION = KEY_FILE_VERSION;
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

export function fromB64(value: unknown, field: string, file: string, length: number): Uint8Array {
  if (typeof value !== 'string') throw new SunderError('KEYS_WRONG', `${file}: \`${field}\` is missing`, { path: [field] });
  const bytes = new Uint8Array(Buffer.from(value, 'base64'));
  if (bytes.length !== length) {
    throw new SunderError('KEYS_WRONG', `${file}: expected \`${field}\` to be ${length} bytes of base64, got ${bytes.length}`, { path: [field] });
  }
  return bytes;
}

export function keyFilePath(keysDir: string, role: Role): string {
  return join(keysDir, `${role}.json`);
}

/** The roles whose key file exists in `keysDir`, in `ROLES` order. */
export function presentRoleKeys(keysDir: string): Role[] {
  return ROLES.filter((r) => existsSync(keyFilePath(keysDir, r)));
}

/** True when every role file exists. */
export function roleKeysExist(keysDir: string): boolean {
  return presentRoleKeys(keysDir).length === ROLES.length;
}

/**
 * Where each role's key file goes: `paths[role]` (a file, or an existing folder to hold
 * `<role>.json`), else `keysDir/<role>.json`. Lets the officer's and exporter's secrets be
 * written straight to where those roles work, never onto the ingest host.
 */
export function roleKeyTargets(keysDir: string, paths: Partial<Record<Role, string>> = {}): Record<Role, string> {
  const at = (role: Role): string => {
    const p = paths[role];
    if (p === undefined) return keyFilePath(keysDir, role);
    return existsSync(p) && statSync(p).isDirectory() ? keyFilePath(p, role) : resolve(p);
  };
  return { ingest: at('ingest'), officer: at('officer'), exporter: at('exporter') };
}

/**
 * Refuses a key file that group or others may read or write (`KEYS_PERMISSIONS`): a secret left
 * world-readable has already leaked to every account on the host, and a writable one can be
 * swapped for an attacker's.
 */
export function assertPrivateFile(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return; // a missing file is reported by the read that follows
  }
  if ((mode & 0o077) !== 0) {
    throw new SunderError('KEYS_PERMISSIONS', `${path} is open to group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
      'expected 0600: `chmod 600` it, and treat its keys as exposed if other accounts could read it');
  }
}

/**
 * Creates the three role files. Refuses to overwrite: a lost officer or exporter key makes every
 * stored subject unreadable, so replacing one is never a side effect.
 */
export async function createRoleKeys(keysDir: string, paths: Partial<Record<Role, string>> = {}): Promise<{ files: string[] }> {
  const target = roleKeyTargets(keysDir, paths);
  const existing = ROLES.filter((r) => existsSync(target[r]));
  if (existing.length > 0) {
    throw new SunderError('CONFIG_INVALID', `key files already exist (${existing.map((r) => target[r]).join(', ')}); refusing to overwrite`);
  }
  for (const dir of new Set(ROLES.map((r) => dirname(target[r])))) {
    makeDirs(dir); // not mkdir({ recursive }): it spins on /proc/foo (src/dirs.ts)
    await chmod(dir, 0o700);
  }
  const officer = generateX25519KeyPair();
  const exporter = generateX25519KeyPair();
  const createdAt = new Date().toISOString();
  const rowMacKey = b64(randomBytes(32));
  const indexKey = b64(randomBytes(32));
  const files: Record<Role, object> = {
    ingest: {
      sunder: 'role-key', version: FILE_VERSION, role: 'ingest', createdAt,
      indexKey, pseudonymKey: b64(randomBytes(32)),
      officerPublicKey: b64(officer.publicKey), exporterPublicKey: b64(exporter.publicKey), rowMacKey,
    },
    officer: { sunder: 'role-key', version: FILE_VERSION, role: 'officer', createdAt, publicKey: b64(officer.publicKey), secretKey: b64(officer.secretKey), rowMacKey },
    exporter: { sunder: 'role-key', version: FILE_VERSION, role: 'exporter', createdAt, publicKey: b64(exporter.publicKey), secretKey: b64(exporter.secretKey), rowMacKey, indexKey },
  };
  const written: string[] = [];
  try {
    for (const role of ROLES) {
      const path = target[role];
      const tmp = `${path}.tmp-${process.pid}`;
      try {
        await writeFile(tmp, JSON.stringify(files[role], null, 2) + '\n', { mode: 0o600, flag: 'wx' });
        await rename(tmp, path);
      } finally {
        await rm(tmp, { force: true });
      }
      written.push(path);
    }
  } catch (err) {
    // All three or none: a partial set (an ingest key whose officer key was never written)
    // would block both `init` (keys exist) and ingest (a key is missing).
    for (const path of written) await rm(path, { force: true }).catch(() => undefined);
    throw err;
  }
  return { files: written };
}

/**
 * What to do about a missing key file. The reader keys are never made again on their own: a new
 * officer or exporter key would open nothing already stored, so the message points at where the
 * file should be, not at a command that would replace it.
 */
function missingKeyMessage(role: Role, file: string): string {
  if (role === 'ingest') {
    return `no ingest key at ${file}: pass --keys DIR (the folder holding ingest.json), or make the role keys first ` +
      'with `sunder keys --officer-out F --exporter-out F`';
  }
  return `no ${role} key at ${file}: the ${role}'s key file is kept where that role works; pass --keys DIR ` +
    `(the folder holding ${role}.json). It is never made again: a new key would open nothing already stored`;
}

export async function loadRoleKeys(keysDir: string, role: 'ingest'): Promise<IngestKeys>;
export async function loadRoleKeys(keysDir: string, role: 'officer' | 'exporter'): Promise<ReaderKeys>;
export async function loadRoleKeys(keysDir: string, role: Role): Promise<RoleKeys> {
  const file = keyFilePath(keysDir, role);
  assertPrivateFile(file);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new SunderError('KEYS_MISSING', missingKeyMessage(role, file), { path: [role] });
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new SunderError('KEYS_WRONG', `${file} is not a Sunder key file (not JSON)`);
  }
  if (json.sunder !== 'role-key' || (json.version !== 1 && json.version !== 2)) {
    throw new SunderError('KEYS_WRONG', `${file} is not a version 1 or 2 Sunder key file`);
  }
  const version = json.version as KeyFileVersion;
  const rowMac = version === 2 ? { rowMacKey: fromB64(json.rowMacKey, 'rowMacKey', file, 32) } : {};
  if (json.role !== role) {
    throw new SunderError('KEYS_WRONG', `${file} holds the \`${String(json.role)}\` role, expected \`${role}\``);
  }
  if (role === 'ingest') {
    return {
      role,
      indexKey: fromB64(json.indexKey, 'indexKey', file, 32),
      pseudonymKey: fromB64(json.pseudonymKey, 'pseudonymKey', file, 32),
      officerPublicKey: fromB64(json.officerPublicKey, 'officerPublicKey', file, 32),
      exporterPublicKey: fromB64(json.exporterPublicKey, 'exporterPublicKey', file, 32),
      ...rowMac,
      version,
    };
  }
  const keys: ReaderKeys = {
    role,
    publicKey: fromB64(json.publicKey, 'publicKey', file, 32),
    secretKey: fromB64(json.secretKey, 'secretKey', file, 32),
    ...rowMac,
    ...(role === 'exporter' && json.indexKey !== undefined ? { indexKey: fromB64(json.indexKey, 'indexKey', file, 32) } : {}),
    version,
  };
  const derived = x25519KeyPairFromSecretKey(keys.secretKey).publicKey;
  if (!Buffer.from(derived).equals(Buffer.from(keys.publicKey))) {
    throw new SunderError('KEYS_WRONG', `${file}: the secret key does not match its public key`);
  }
  return keys;
}
