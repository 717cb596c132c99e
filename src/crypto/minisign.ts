/**
 * Signatures in minisign's format (https://jedisct1.github.io/minisign/), so a recipient checks
 * an export with the stock tool (`minisign -Vm SHA256SUMS -p signing.pub`) and needs nothing
 * from us. Only the prehashed algorithm ("ED": Ed25519 over BLAKE2b-512 of the file) is written,
 * the one current minisign produces by default; node computes BLAKE2b-512 natively.
 *
 *   public key:  untrusted comment: ...\n base64("Ed" || key id[8] || public key[32])\n
 *   signature:   untrusted comment: ...\n base64("ED" || key id[8] || sig[64])\n
 *                trusted comment: <text>\n base64(Ed25519(sig || text))\n
 *
 * The global signature covers the trusted comment, so the comment (which names the export) is
 * signed too; the untrusted comments are not.
 */
import { createHash, randomBytes, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { SunderError } from '../errors.js';

export interface MinisignKey {
  /** 8 random bytes naming the key in every signature. */
  keyId: Uint8Array;
  publicKey: Uint8Array;
  /** Ed25519 seed (32 bytes); absent for a public key read from a `.pub` file. */
  secretKey?: Uint8Array;
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const privateKeyOf = (seed: Uint8Array): KeyObject => createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
const publicKeyOf = (pk: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([SPKI_ED25519, pk]), format: 'der', type: 'spki' });

const PUBLIC_ALG = Buffer.from('Ed');
const PREHASHED_ALG = Buffer.from('ED');
const LEGACY_ALG = Buffer.from('Ed');

/** minisign prints a key id as the hex of its little-endian 64-bit value. */
export function keyIdHex(keyId: Uint8Array): string {
  return Buffer.from(keyId).reverse().toString('hex').toUpperCase();
}

export function generateMinisignKey(): Required<MinisignKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519.length);
  const pk = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
  return { keyId: new Uint8Array(randomBytes(8)), publicKey: new Uint8Array(pk), secretKey: new Uint8Array(seed) };
}

export function formatPublicKey(key: MinisignKey): string {
  return `untrusted comment: minisign public key ${keyIdHex(key.keyId)}\n${Buffer.concat([PUBLIC_ALG, key.keyId, key.publicKey]).toString('base64')}\n`;
}

const bad = (message: string) => new SunderError('EXPORT_SIGNATURE', message);

/** Reads a minisign public key file (or the bare base64 line). */
export function parsePublicKey(text: string): MinisignKey {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('untrusted comment:'));
  const raw = line === undefined ? Buffer.alloc(0) : Buffer.from(line, 'base64');
  if (raw.length !== 42 || !raw.subarray(0, 2).equals(PUBLIC_ALG)) throw bad('the signing public key is not a minisign Ed25519 public key');
  return { keyId: new Uint8Array(raw.subarray(2, 10)), publicKey: new Uint8Array(raw.subarray(10)) };
}

/** A `.minisig` for `message` with the prehashed algorithm; `trustedComment` is one line. */
export function signMinisign(key: MinisignKey, message: Uint8Array, trustedComment: string, untrustedComment = 'signature from the Sunder export signing key'): string {
  if (key.secretKey === undefined) throw new SunderError('INTERNAL', 'signing needs the secret key');
  if (/[\r\n]/.test(trustedComment) || /[\r\n]/.test(untrustedComment)) throw new SunderError('INTERNAL', 'a minisign comment is one line');
  const secret = privateKeyOf(key.secretKey);
  const sig = sign(null, createHash('blake2b512').update(message).digest(), secret);
  const global = sign(null, Buffer.concat([sig, Buffer.from(trustedComment, 'utf8')]), secret);
  return `untrusted comment: ${untrustedComment}\n${Buffer.concat([PREHASHED_ALG, key.keyId, sig]).toString('base64')}\n` +
    `trusted comment: ${trustedComment}\n${global.toString('base64')}\n`;
}

/**
 * Checks a `.minisig` over `message` against `key` (both algorithms, as minisign does) and
 * returns its trusted comment. Throws EXPORT_SIGNATURE on any mismatch.
 */
export function verifyMinisign(key: MinisignKey, message: Uint8Array, signature: string): { trustedComment: string } {
  const lines = signature.split('\n');
  if (lines.length < 4 || !lines[0]!.startsWith('untrusted comment:') || !lines[2]!.startsWith('trusted comment: ')) throw bad('the signature file is not in minisign format');
  const head = Buffer.from(lines[1]!.trim(), 'base64');
  if (head.length !== 74) throw bad('the signature line has the wrong length');
  const alg = head.subarray(0, 2);
  if (!Buffer.from(head.subarray(2, 10)).equals(Buffer.from(key.keyId))) throw bad(`the signature is by key ${keyIdHex(head.subarray(2, 10))}, not by ${keyIdHex(key.keyId)}`);
  const sig = head.subarray(10);
  const pk = publicKeyOf(key.publicKey);
  const signed = alg.equals(PREHASHED_ALG) ? createHash('blake2b512').update(message).digest() : alg.equals(LEGACY_ALG) ? Buffer.from(message) : undefined;
  if (signed === undefined) throw bad('the signature uses an unknown algorithm');
  if (!verify(null, signed, pk, sig)) throw bad('the signature does not match the signed file');
  const trustedComment = lines[2]!.slice('trusted comment: '.length);
  const global = Buffer.from(lines[3]!.trim(), 'base64');
  if (global.length !== 64 || !verify(null, Buffer.concat([sig, Buffer.from(trustedComment, 'utf8')]), pk, global)) throw bad('the trusted comment\'s signature does not match');
  return { trustedComment };
}
