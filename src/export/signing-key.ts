/**
 * The company's export signing key: `signing.json` (0600, the Ed25519 seed) beside the
 * exporter key, and `signing.pub` (minisign public-key format) to hand to customers. Made on
 * first use by `sunder keys` or the first export, like the audit key; never replaced, since
 * customers pin the public key.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirs } from '../dirs.js';
import { SunderError } from '../errors.js';
import { assertPrivateFile, fromB64 } from '../crypto/keys.js';
import { formatPublicKey, generateMinisignKey, parsePublicKey, type MinisignKey } from '../crypto/minisign.js';

export const SIGNING_KEY_FILE = 'signing.json';
export const SIGNING_PUBLIC_FILE = 'signing.pub';

export const signingKeyPath = (keysDir: string) => join(keysDir, SIGNING_KEY_FILE);
export const signingPublicPath = (keysDir: string) => join(keysDir, SIGNING_PUBLIC_FILE);

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, text, { mode, flag: 'wx' });
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Creates the signing key in `keysDir` unless it exists; returns whether it made one. */
export async function ensureSigningKey(keysDir: string): Promise<boolean> {
  const secretPath = signingKeyPath(keysDir);
  if (existsSync(secretPath)) {
    // A lost public half is rebuilt from the secret file (it is derived data).
    if (!existsSync(signingPublicPath(keysDir))) await writeNew(signingPublicPath(keysDir), formatPublicKey(await loadSigningKey(keysDir)), 0o644);
    return false;
  }
  makeDirs(keysDir);
  const key = generateMinisignKey();
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  const file = { sunder: 'export-signing-key', version: 1, createdAt: new Date().toISOString(), algorithm: 'minisign-ed25519', keyId: b64(key.keyId), publicKey: b64(key.publicKey), secretKey: b64(key.secretKey) };
  // The public file first: a crash between the two leaves no secret without its public half.
  await rm(signingPublicPath(keysDir), { force: true });
  await writeNew(signingPublicPath(keysDir), formatPublicKey(key), 0o644);
  await writeNew(secretPath, JSON.stringify(file, null, 2) + '\n', 0o600);
  return true;
}

export async function loadSigningKey(keysDir: string): Promise<Required<MinisignKey>> {
  const path = signingKeyPath(keysDir);
  assertPrivateFile(path);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SunderError('KEYS_MISSING', `no export signing key at ${path}; run \`sunder keys\` or an export once`);
    throw new SunderError('KEYS_WRONG', `${path} is not a Sunder export signing key (not JSON)`);
  }
  if (json.sunder !== 'export-signing-key' || json.version !== 1) throw new SunderError('KEYS_WRONG', `${path} is not a version 1 Sunder export signing key`);
  return { keyId: fromB64(json.keyId, 'keyId', path, 8), publicKey: fromB64(json.publicKey, 'publicKey', path, 32), secretKey: fromB64(json.secretKey, 'secretKey', path, 32) };
}

/** The public key a verifier uses: a `.pub` file given, else `keysDir/signing.pub`. */
export async function loadSigningPublicKey(file: string): Promise<MinisignKey> {
  try {
    return parsePublicKey(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SunderError('FILE_NOT_FOUND', `no signing public key at ${file}; pass --public-key FILE (the export's signing.pub)`);
    throw err;
  }
}
