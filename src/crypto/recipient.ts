/**
 * Recipients and identities, modelled on age: `Recipient.wrap(dataKey)` makes stanzas,
 * `Identity.unwrap(stanzas)` gets the data key back. A new key type is one new class pair here
 * plus a stanza type byte in docs/FORMAT.md; the object format never changes for it.
 *
 * The X25519 recipient is built for write-only ingestion at volume: a writer (`X25519Sender`)
 * holds one ephemeral key pair per run and computes the shared key with each subject's public
 * key once (native X25519, ~0.04 ms), then wraps every object's 32-byte data key with
 * `nacl.secretbox` under it (~2 µs). Never one X25519 per record.
 *
 * Subject secret keys are wrapped to the officer and exporter role keys with these same X25519
 * stanzas, from the run's sender (see `createSubjectKey` in subject-keys.ts).
 *
 * The run that creates a subject holds its secret key for a moment, and wraps that subject's
 * data keys with a subject-secret stanza instead (`SubjectSecretRecipient`): a secretbox under
 * a key derived from the secret by one HMAC, where an X25519 stanza would cost a scalar
 * multiplication (~40 µs) per new subject, on the writer and again on every reader.
 *
 * Also here: anonymous sealed boxes (`sealTo` / `openSealed`), a standalone utility in the
 * public API. Ingest does not use them; nothing Sunder stores is a sealed box.
 */
import { createHash, createHmac, randomFillSync, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { SunderError } from '../errors.js';
import { boxBefore, generateX25519Ephemeral, publicKeyObject, secretKeyObject, x25519KeyPairFromSecretKey, type X25519KeyPair } from './x25519.js';

/** Returns `length` fresh random bytes. Injected only to make test vectors deterministic. */
export type RandomSource = (length: number) => Uint8Array;

const POOL_BYTES = 16 * 1024;
let pool = new Uint8Array(0);
let poolOffset = 0;

/**
 * node:crypto's CSPRNG, drawn from a 16 KiB pool: one `randomFillSync` per ~290 objects instead
 * of two small `randomBytes` calls per object (each ~1-2 µs, a tenth of the per-object budget).
 * Every call returns a fresh copy; no byte is handed out twice.
 */
export const systemRandom: RandomSource = (length) => {
  if (length > POOL_BYTES) return new Uint8Array(randomFillSync(Buffer.alloc(length)));
  if (poolOffset + length > pool.length) {
    pool = new Uint8Array(POOL_BYTES);
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.slice(poolOffset, poolOffset + length);
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return out;
};

/** One wrapped copy of a data key, as stored in an object header. */
export interface Stanza {
  /** Stanza type byte (docs/FORMAT.md, "Stanza types"). 0x01 = X25519. */
  readonly type: number;
  /** Type-specific body; at most 4096 bytes. */
  readonly body: Uint8Array;
}

/** Something a data key can be wrapped to. */
export interface Recipient {
  wrap(dataKey: Uint8Array): Stanza[];
}

/** Something that may unwrap a data key. Returns null when none of the stanzas is for it. */
export interface Identity {
  unwrap(stanzas: readonly Stanza[]): Uint8Array | null;
}

// tweetnacl ships `lowlevel` at runtime but not in its typings.
const secretboxRaw = (nacl as unknown as { lowlevel: { crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number } }).lowlevel.crypto_secretbox;
const SCRATCH_M = new Uint8Array(64);
const SCRATCH_C = new Uint8Array(64);

export const STANZA_X25519 = 0x01;
export const DATA_KEY_BYTES = 32;
const NONCE_BYTES = nacl.secretbox.nonceLength; // 24
const WRAPPED_BYTES = DATA_KEY_BYTES + nacl.secretbox.overheadLength; // 48
/** ephemeral public key (32) || nonce (24) || secretbox(data key) (48) */
export const X25519_STANZA_BODY_BYTES = 32 + NONCE_BYTES + WRAPPED_BYTES;

export const STANZA_SUBJECT_SECRET = 0x02;
/** nonce (24) || secretbox(data key) (48) */
export const SUBJECT_SECRET_STANZA_BODY_BYTES = NONCE_BYTES + WRAPPED_BYTES;
const SUBJECT_STANZA_LABEL = Buffer.from('sunder/v1 subject secret stanza', 'ascii');

/**
 * The key of a subject's subject-secret stanzas: HMAC-SHA256(subject secret key, "sunder/v1
 * subject secret stanza"). A PRF output, so it says nothing about the X25519 scalar it came from.
 */
export function subjectStanzaKey(subjectSecretKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', subjectSecretKey).update(SUBJECT_STANZA_LABEL).digest());
}

/**
 * `nacl.secretbox` of a 32-byte data key under `key` with a fresh random nonce, written into
 * `body` at `at` as nonce (24) || box (48); exactly nacl.secretbox (tests check it), without its
 * four temporary arrays per call: this runs once per object.
 */
function boxDataKey(dataKey: Uint8Array, key: Uint8Array, random: RandomSource, body: Uint8Array, at: number): void {
  if (dataKey.length !== DATA_KEY_BYTES) throw new SunderError('INTERNAL', `expected a ${DATA_KEY_BYTES}-byte data key, got ${dataKey.length} bytes`);
  // A fresh random 24-byte nonce per wrap: the key is reused across a run, and 192-bit random
  // nonces never collide in practice.
  const nonce = random(NONCE_BYTES);
  body.set(nonce, at);
  // NaCl's API wants 32 zero bytes before the message and leaves 16 zero bytes before
  // tag || ciphertext.
  SCRATCH_M.set(dataKey, 32);
  secretboxRaw(SCRATCH_C, SCRATCH_M, 64, nonce, key);
  body.set(SCRATCH_C.subarray(16), at + NONCE_BYTES);
  SCRATCH_M.fill(0, 32);
  SCRATCH_C.fill(0);
}

/** Options for {@link X25519Sender}. */
export interface X25519SenderOptions {
  /**
   * How many subjects' shared keys to keep; the least recently used is dropped beyond it.
   * 32 bytes plus a small object each: 100,000 subjects is a few tens of MB at most.
   * @default 100_000
   */
  maxCached?: number;
  /**
   * The run's ephemeral secret key. Leave unset: a fresh one is generated. Set only to make
   * test vectors deterministic.
   */
  ephemeralSecretKey?: Uint8Array;
  /**
   * Randomness for stanza nonces.
   * @default systemRandom (node:crypto CSPRNG)
   */
  random?: RandomSource;
}

/**
 * The writer side of one ingestion run. Holds the run's ephemeral X25519 key pair and an LRU
 * cache of shared keys, one per subject public key. Create one per run (or per host and rotate
 * it); drop it, or call {@link clear}, to forget the cached shared keys.
 *
 * @example
 * const sender = new X25519Sender();
 * const recipient = sender.recipient(subjectPublicKey); // X25519 once per subject
 * const bytes = encryptObject(recipient, { objectId, keyId, context }, plaintext);
 */
export class X25519Sender {
  /** The ephemeral public key written into every stanza of this run. */
  readonly publicKey: Uint8Array;
  readonly #secret: KeyObject;
  readonly #cache = new Map<string, X25519Recipient>();
  readonly #max: number;
  readonly #random: RandomSource;
  #last: X25519Recipient | null = null;
  readonly #lastKey = new Uint8Array(32);

  constructor(options: X25519SenderOptions = {}) {
    const maxCached = options.maxCached ?? 100_000;
    if (!Number.isInteger(maxCached) || maxCached < 1) {
      throw new SunderError('CONFIG_INVALID', `expected \`maxCached\` to be an integer from 1 and up, got ${String(maxCached)}`, { path: ['maxCached'] });
    }
    this.#max = maxCached;
    this.#random = options.random ?? systemRandom;
    if (options.ephemeralSecretKey) {
      this.publicKey = x25519KeyPairFromSecretKey(options.ephemeralSecretKey).publicKey;
      this.#secret = secretKeyObject(options.ephemeralSecretKey);
    } else {
      // The run's ephemeral secret never leaves OpenSSL: nothing to wipe, nothing to leak.
      const eph = generateX25519Ephemeral();
      this.publicKey = eph.publicKey;
      this.#secret = eph.privateKey;
    }
  }

  /** The recipient for a subject public key; the shared key is computed on first use only. */
  recipient(subjectPublicKey: Uint8Array): X25519Recipient {
    // Consecutive objects of one subject are the common case: skip the encode and map lookup.
    if (this.#last !== null && bytesEqual(this.#lastKey, subjectPublicKey)) return this.#last;
    const made = this.#lookup(subjectPublicKey);
    this.#lastKey.set(subjectPublicKey);
    this.#last = made;
    return made;
  }

  #lookup(subjectPublicKey: Uint8Array): X25519Recipient {
    const id = Buffer.from(subjectPublicKey.buffer, subjectPublicKey.byteOffset, subjectPublicKey.byteLength).toString('base64');
    const hit = this.#cache.get(id);
    if (hit) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.#cache.delete(id);
      this.#cache.set(id, hit);
      return hit;
    }
    const shared = boxBefore(publicKeyObject(subjectPublicKey), this.#secret);
    const made = new X25519Recipient(this.publicKey, shared, this.#random);
    this.#cache.set(id, made);
    if (this.#cache.size > this.#max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    return made;
  }

  /** Number of subjects whose shared key is cached. */
  get cached(): number {
    return this.#cache.size;
  }

  /** Forgets every cached shared key. */
  clear(): void {
    this.#cache.clear();
    this.#last = null;
  }
}

/**
 * Wraps data keys to one subject. Obtain it from {@link X25519Sender.recipient}. The stanza is
 * NaCl-compatible: `nacl.box.open(wrapped, nonce, ephemeralPublicKey, subjectSecretKey)`
 * returns the data key.
 */
export class X25519Recipient implements Recipient {
  readonly #ephemeralPublicKey: Uint8Array;
  readonly #shared: Uint8Array;
  readonly #random: RandomSource;

  /** @internal use {@link X25519Sender.recipient}. */
  constructor(ephemeralPublicKey: Uint8Array, sharedKey: Uint8Array, random: RandomSource) {
    this.#ephemeralPublicKey = ephemeralPublicKey;
    this.#shared = sharedKey;
    this.#random = random;
  }

  wrap(dataKey: Uint8Array): Stanza[] {
    const body = new Uint8Array(X25519_STANZA_BODY_BYTES);
    body.set(this.#ephemeralPublicKey, 0);
    boxDataKey(dataKey, this.#shared, this.#random, body, 32);
    return [{ type: STANZA_X25519, body }];
  }
}

/**
 * Wraps data keys to a subject whose secret key this writer holds: only the run that creates a
 * subject does. The stanza is `nacl.secretbox(dataKey, nonce, subjectStanzaKey(secret))`; any
 * holder of the subject's secret key opens it ({@link X25519Identity}), nobody else can.
 */
export class SubjectSecretRecipient implements Recipient {
  readonly #key: Uint8Array;
  readonly #random: RandomSource;

  /** Keeps only the derived stanza key, not `subjectSecretKey`. */
  constructor(subjectSecretKey: Uint8Array, random: RandomSource = systemRandom) {
    if (!(subjectSecretKey instanceof Uint8Array) || subjectSecretKey.length !== 32) throw new SunderError('KEYS_WRONG', 'expected a 32-byte subject secret key');
    this.#key = subjectStanzaKey(subjectSecretKey);
    this.#random = random;
  }

  wrap(dataKey: Uint8Array): Stanza[] {
    const body = new Uint8Array(SUBJECT_SECRET_STANZA_BODY_BYTES);
    boxDataKey(dataKey, this.#key, this.#random, body, 0);
    return [{ type: STANZA_SUBJECT_SECRET, body }];
  }
}

/** Options for {@link X25519Identity}. */
export interface X25519IdentityOptions {
  /**
   * How many writers' (ephemeral keys') shared keys to keep. A reader sees one ephemeral key per
   * ingestion run, so a small cache saves an X25519 per object.
   * @default 1024
   */
  maxCached?: number;
}

/** A subject's secret key as an {@link Identity}: opens its X25519 and subject-secret stanzas. */
export class X25519Identity implements Identity {
  readonly #secret: KeyObject;
  readonly #stanzaKey: Uint8Array;
  readonly #cache = new Map<string, Uint8Array>();
  readonly #max: number;

  constructor(secretKey: Uint8Array, options: X25519IdentityOptions = {}) {
    this.#secret = secretKeyObject(secretKey);
    this.#stanzaKey = subjectStanzaKey(secretKey);
    this.#max = options.maxCached ?? 1024;
  }

  unwrap(stanzas: readonly Stanza[]): Uint8Array | null {
    for (const stanza of stanzas) {
      if (stanza.type === STANZA_SUBJECT_SECRET) {
        if (stanza.body.length !== SUBJECT_SECRET_STANZA_BODY_BYTES) {
          throw new SunderError('FORMAT_HEADER', `a subject-secret stanza must be ${SUBJECT_SECRET_STANZA_BODY_BYTES} bytes, got ${stanza.body.length}: the header is malformed`);
        }
        const opened = nacl.secretbox.open(stanza.body.subarray(NONCE_BYTES), stanza.body.subarray(0, NONCE_BYTES), this.#stanzaKey);
        if (opened) return opened;
        continue;
      }
      if (stanza.type !== STANZA_X25519) continue;
      if (stanza.body.length !== X25519_STANZA_BODY_BYTES) {
        throw new SunderError('FORMAT_HEADER', `an X25519 stanza must be ${X25519_STANZA_BODY_BYTES} bytes, got ${stanza.body.length}: the header is malformed`);
      }
      const epk = stanza.body.subarray(0, 32);
      const shared = this.#sharedWith(epk);
      if (shared === null) continue;
      const opened = nacl.secretbox.open(stanza.body.subarray(32 + NONCE_BYTES), stanza.body.subarray(32, 32 + NONCE_BYTES), shared);
      if (opened) return opened;
    }
    return null;
  }

  #sharedWith(epk: Uint8Array): Uint8Array | null {
    const id = Buffer.from(epk.buffer, epk.byteOffset, epk.byteLength).toString('base64');
    const hit = this.#cache.get(id);
    if (hit) return hit;
    let shared: Uint8Array;
    try {
      shared = boxBefore(publicKeyObject(epk), this.#secret);
    } catch {
      return null; // a low-order ephemeral key: not a stanza we can (or should) open
    }
    if (this.#cache.size >= this.#max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(id, shared);
    return shared;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Sealed boxes: a standalone utility (public API). Ingest does not use them: subject secret keys
// are wrapped as X25519 stanzas from the run's sender (`createSubjectKey`, subject-keys.ts).

const SEAL_OVERHEAD = 32 + nacl.box.overheadLength; // ephemeral public key + Poly1305 tag

/**
 * Like libsodium's crypto_box_seal, with SHA-512 in place of BLAKE2b-192 for the nonce
 * (node:crypto has no variable-length BLAKE2b): nonce = SHA-512(epk || recipientPk)[0..24].
 * A derived nonce is safe because the ephemeral key is fresh for every seal.
 */
function sealNonce(epk: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(epk).update(recipientPublicKey).digest().subarray(0, 24));
}

/**
 * Anonymous sealed box: encrypts `secret` to a role public key with a fresh ephemeral key pair,
 * so nobody, the sender included, can open it without the role's secret key. A standalone
 * utility: subject keys in the key store are X25519 stanzas from the run's sender, not sealed
 * boxes (see `createSubjectKey`).
 *
 * Output: ephemeral public key (32) || nacl.box(secret, nonce, rolePublicKey, ephemeralSecret).
 */
export function sealTo(rolePublicKey: Uint8Array, secret: Uint8Array): Uint8Array {
  const eph = generateX25519Ephemeral();
  const key = boxBefore(publicKeyObject(rolePublicKey), eph.privateKey);
  const boxed = nacl.secretbox(secret, sealNonce(eph.publicKey, rolePublicKey), key);
  key.fill(0);
  const out = new Uint8Array(32 + boxed.length);
  out.set(eph.publicKey, 0);
  out.set(boxed, 32);
  return out;
}

// Secret-key imports cost ~0.04 ms; a role opens thousands of subject keys with one key pair.
const roleKeyObjects = new WeakMap<Uint8Array, KeyObject>();

/**
 * Opens a {@link sealTo} box. Throws FORMAT_TRUNCATED if it is too short to be a sealed box and
 * KEYS_WRONG if it does not open with this key pair (wrong role key, or tampered).
 */
export function openSealed(roleKeyPair: X25519KeyPair, sealed: Uint8Array): Uint8Array {
  if (sealed.length < SEAL_OVERHEAD) {
    throw new SunderError('FORMAT_TRUNCATED', `a sealed box is at least ${SEAL_OVERHEAD} bytes, got ${sealed.length}: it is truncated`);
  }
  let secret = roleKeyObjects.get(roleKeyPair.secretKey);
  if (!secret) {
    secret = secretKeyObject(roleKeyPair.secretKey);
    roleKeyObjects.set(roleKeyPair.secretKey, secret);
  }
  const epk = sealed.subarray(0, 32);
  let key: Uint8Array;
  try {
    key = boxBefore(publicKeyObject(epk), secret);
  } catch (cause) {
    throw new SunderError('KEYS_WRONG', 'the sealed box does not open with this role key: wrong key, or the box was tampered with', { cause });
  }
  const opened = nacl.secretbox.open(sealed.subarray(32), sealNonce(epk, roleKeyPair.publicKey), key);
  key.fill(0);
  if (!opened) throw new SunderError('KEYS_WRONG', 'the sealed box does not open with this role key: wrong key, or the box was tampered with');
  return opened;
}
