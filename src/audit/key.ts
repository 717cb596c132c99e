/**
 * The audit key, in its own file `keys/audit.json` (0600) beside the role key files, so that it
 * can be rotated, backed up and handed to an auditor without touching any role's secrets:
 *
 * - `macKey`: 32 random bytes; every audit entry is HMAC-SHA256'd with it, chained to the entry
 *   before. Whoever writes audit entries (every role's host) holds it.
 * - `signSecretKey` / `signPublicKey`: an ed25519 pair that signs checkpoints (the log's
 *   size and Merkle root), so an auditor who keeps a checkpoint elsewhere can later prove that the log
 *   still extends it, even against someone who holds the MAC key.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { SunderError } from '../errors.js';
import { scopedToken } from '../crypto/hmac.js';
import { fromB64 } from '../crypto/keys.js';

export interface AuditKey {
  macKey: Uint8Array;
  signPublicKey: Uint8Array;
  signSecretKey: Uint8Array;
  /** Public, short: names the key in checkpoints and reports. */
  fingerprint: string;
}

const FILE_VERSION = 1;
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

export function auditKeyPath(keysDir: string): string {
  return join(keysDir, 'audit.json');
}

export function auditKeyExists(keysDir: string): boolean {
  return existsSync(auditKeyPath(keysDir));
}

/** The public name of a signing key: what checkpoints and reports call it. */
export function fingerprintOf(signPublicKey: Uint8Array): string {
  return scopedToken(signPublicKey, 'sunder-audit-key', 'v1', 16);
}

/** Creates `audit.json`. Refuses to overwrite: a replaced key makes the existing log unverifiable. */
export async function createAuditKey(keysDir: string): Promise<{ file: string; key: AuditKey }> {
  const file = auditKeyPath(keysDir);
  if (existsSync(file)) throw new SunderError('CONFIG_INVALID', `an audit key already exists at ${file}; refusing to overwrite`);
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await chmod(keysDir, 0o700).catch(() => undefined);
  const macKey = new Uint8Array(randomBytes(32));
  const pair = nacl.sign.keyPair();
  const json = {
    sunder: 'audit-key', version: FILE_VERSION, createdAt: new Date().toISOString(),
    macKey: b64(macKey), signPublicKey: b64(pair.publicKey), signSecretKey: b64(pair.secretKey),
  };
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, JSON.stringify(json, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    await rename(tmp, file);
  } finally {
    // A failed write or rename (a full disk) must not leave a half key file beside the keys:
    // found by the full init fault matrix at write 16 (audit.json.tmp-<pid> left behind).
    await rm(tmp, { force: true });
  }
  return { file, key: { macKey, signPublicKey: pair.publicKey, signSecretKey: pair.secretKey, fingerprint: fingerprintOf(pair.publicKey) } };
}


export async function loadAuditKey(keysDir: string): Promise<AuditKey> {
  const file = auditKeyPath(keysDir);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new SunderError('KEYS_MISSING', `no audit key at ${file}; run \`sunder init\` or pass --keys DIR`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new SunderError('KEYS_WRONG', `${file} is not a Sunder audit key file (not JSON)`);
  }
  if (json.sunder !== 'audit-key' || json.version !== FILE_VERSION) {
    throw new SunderError('KEYS_WRONG', `${file} is not a version ${FILE_VERSION} Sunder audit key file`);
  }
  const macKey = fromB64(json.macKey, 'macKey', file, 32);
  const signPublicKey = fromB64(json.signPublicKey, 'signPublicKey', file, 32);
  const signSecretKey = fromB64(json.signSecretKey, 'signSecretKey', file, 64);
  // tweetnacl's 64-byte secret key ends with the public key; a mismatch is a spliced file.
  if (!Buffer.from(signSecretKey.subarray(32)).equals(Buffer.from(signPublicKey))) {
    throw new SunderError('KEYS_WRONG', `${file}: the signing secret key does not match its public key`);
  }
  return { macKey, signPublicKey, signSecretKey, fingerprint: fingerprintOf(signPublicKey) };
}
