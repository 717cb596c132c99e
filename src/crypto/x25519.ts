/**
 * X25519 on node:crypto's native implementation, byte-compatible with tweetnacl's `nacl.box`.
 *
 * Why not tweetnacl alone: measured on this machine, a tweetnacl key pair or `box.before`
 * costs about 0.55 ms in pure JS; OpenSSL's X25519 costs about 0.04 ms (see bench/crypto.ts).
 * Ingestion derives one shared key per new subject, so this is the cost of a new subject.
 *
 * Compatibility: `nacl.box.before(pk, sk)` is HSalsa20(X25519(sk, pk), nonce = 16 zero bytes,
 * constant = "expand 32-byte k"). We compute the X25519 part natively and the (cheap) HSalsa20
 * part with tweetnacl's own `crypto_core_hsalsa20`, so every box, secretbox and stanza we make
 * opens with `nacl.box.open` and vice versa. Keys are raw 32-byte Uint8Arrays in and out.
 */
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { SunderError } from '../errors.js';

export const X25519_KEY_BYTES = 32;

/** A raw X25519 key pair, the same shape as tweetnacl's `BoxKeyPair`. */
export interface X25519KeyPair {
  /** 32 bytes, safe to store in clear. */
  publicKey: Uint8Array;
  /** 32 bytes; never stored unwrapped. */
  secretKey: Uint8Array;
}

// tweetnacl ships `lowlevel` at runtime but not in its typings.
interface NaclLowLevel {
  crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number;
}
const lowlevel = (nacl as unknown as { lowlevel: NaclLowLevel }).lowlevel;

/** "expand 32-byte k": the Salsa20 constant NaCl's crypto_box_beforenm uses. */
const SIGMA = new Uint8Array([101, 120, 112, 97, 110, 100, 32, 51, 50, 45, 98, 121, 116, 101, 32, 107]);
const ZERO_NONCE_16 = new Uint8Array(16);

// DER wrappers for a raw 32-byte X25519 key (RFC 8410): the fallback import path.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function checkKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_BYTES) {
    throw new SunderError('KEYS_WRONG', `expected ${what} to be a ${X25519_KEY_BYTES}-byte Uint8Array, got ${describe(key)}`);
  }
}

function describe(v: unknown): string {
  return v instanceof Uint8Array ? `${v.length} bytes` : typeof v;
}

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

/**
 * Imports a raw secret key as a node KeyObject. JWK import is about 8x faster than PKCS#8 DER
 * here; node reads only `d` for a private OKP key, but insists `x` is a string.
 */
export function secretKeyObject(secretKey: Uint8Array): KeyObject {
  checkKey(secretKey, 'an X25519 secret key');
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(secretKey), x: '' }, format: 'jwk' });
  } catch {
    return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: 'der', type: 'pkcs8' });
  }
}

/** Imports a raw public key as a node KeyObject. */
export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  checkKey(publicKey, 'an X25519 public key');
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(publicKey) }, format: 'jwk' });
  } catch {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  }
}

/**
 * X25519(secret, 9): the public key of an imported secret key. OpenSSL computes it when it
 * imports a raw secret key, so reading it back (a JWK export, ~3 µs) avoids a second scalar
 * multiplication (~47 µs, once per new subject; bench/crypto.ts races both, and a test checks
 * them equal).
 */
export function publicFromSecret(privateKey: KeyObject): Uint8Array {
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
  const out = typeof x === 'string' ? Buffer.from(x, 'base64url') : undefined;
  if (out === undefined || out.length !== X25519_KEY_BYTES) throw new SunderError('INTERNAL', 'node:crypto returned no X25519 public key for an imported secret key');
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

const BASE_POINT = new Uint8Array(32);
BASE_POINT[0] = 9;
let basePointKey: KeyObject | undefined;

/** X25519(secret, 9) by scalar multiplication with the base point: the reference `publicFromSecret` is tested against. */
export function publicFromSecretByBasePoint(privateKey: KeyObject): Uint8Array {
  basePointKey ??= publicKeyObject(BASE_POINT);
  const out = diffieHellman({ privateKey, publicKey: basePointKey });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * A fresh random key pair (native; about 7x faster than `nacl.box.keyPair()`, bench/crypto.ts).
 *
 * Not `generateKeyPairSync`: on Node 20 it can deadlock the process, when a KeyGenJob finalised
 * by the garbage collector takes a mutex that a running JWK export of another key already holds
 * (seen here as ingest runs hanging forever in `~KeyGenJob` under `ExportJWKEdKey`). With no
 * KeyGenJob ever created, JWK exports are safe: the secret is 32 bytes from the CSPRNG (X25519
 * clamps it itself) and the public key is read back from its import.
 */
export function generateX25519KeyPair(): X25519KeyPair {
  const secretKey = new Uint8Array(randomBytes(32));
  return { publicKey: publicFromSecret(secretKeyObject(secretKey)), secretKey };
}

/**
 * A fresh key pair whose secret half stays inside a node KeyObject: for ephemeral keys that are
 * used at once.
 */
export function generateX25519Ephemeral(): { publicKey: Uint8Array; privateKey: KeyObject } {
  const secret = randomBytes(32);
  const privateKey = secretKeyObject(secret);
  secret.fill(0);
  return { publicKey: publicFromSecret(privateKey), privateKey };
}

/**
 * The key pair for a given 32-byte secret, like `nacl.box.keyPair.fromSecretKey`. Used for
 * deterministic test vectors and to recover a public key from an unwrapped secret key.
 */
export function x25519KeyPairFromSecretKey(secretKey: Uint8Array): X25519KeyPair {
  return { publicKey: publicFromSecret(secretKeyObject(secretKey)), secretKey: new Uint8Array(secretKey) };
}

/**
 * Raw X25519(secret, public), like `nacl.scalarMult`. Throws KEYS_WRONG for a low-order public
 * key (the result would be all zeros): OpenSSL refuses those, where tweetnacl would silently
 * return a key an attacker knows.
 */
export function x25519(secret: Uint8Array | KeyObject, publicKey: Uint8Array | KeyObject): Uint8Array {
  const privateKey = secret instanceof Uint8Array ? secretKeyObject(secret) : secret;
  const pub = publicKey instanceof Uint8Array ? publicKeyObject(publicKey) : publicKey;
  try {
    const out = diffieHellman({ privateKey, publicKey: pub });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    throw new SunderError('KEYS_WRONG', 'X25519 refused the public key: it is a low-order point, which would give an all-zero shared secret', { cause });
  }
}

/** HSalsa20 with a zero nonce: turns a raw X25519 output into NaCl's `box.before` key. */
export function hsalsa20Zero(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  lowlevel.crypto_core_hsalsa20(out, ZERO_NONCE_16, raw, SIGMA);
  return out;
}

/**
 * NaCl's precomputed box key, `nacl.box.before(theirPublicKey, mySecretKey)`, computed natively.
 * A `nacl.secretbox` under this key is exactly a `nacl.box` between the two parties.
 */
export function boxBefore(theirPublicKey: Uint8Array | KeyObject, mySecretKey: Uint8Array | KeyObject): Uint8Array {
  return hsalsa20Zero(x25519(mySecretKey, theirPublicKey));
}
