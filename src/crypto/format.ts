/**
 * The Sunder encrypted object format, version 1. docs/FORMAT.md is the specification; the
 * sections of this file follow it: constants, header, key schedule, commitment and context,
 * STREAM payload, then the one-shot buffer API. The streaming API (stream.ts) shares every
 * primitive below, so both produce identical bytes for identical inputs and randomness.
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { SunderError } from '../errors.js';
import { DATA_KEY_BYTES, systemRandom, type Identity, type RandomSource, type Recipient, type Stanza } from './recipient.js';

// ---------------------------------------------------------------------------------------------
// Constants (FORMAT.md §1)

/** "SNDR" */
export const MAGIC = new Uint8Array([0x53, 0x4e, 0x44, 0x52]);
export const FORMAT_VERSION = 1;
/** X25519 stanzas, HKDF-SHA256, HMAC-SHA256 commitment, AES-256-GCM STREAM. */
export const SUITE_V1 = 1;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const MIN_CHUNK_LOG2 = 6;
export const MAX_CHUNK_LOG2 = 24;
export const OBJECT_ID_BYTES = 16;
export const MAX_KEY_ID_BYTES = 255;
export const MAX_STANZAS = 16;
export const MAX_STANZA_BODY_BYTES = 4096;
export const CONTEXT_TAG_BYTES = 16;
export const COMMITMENT_BYTES = 32;
export const TAG_BYTES = 16;
const NONCE_BYTES = 12;
/** Chunk counters fit in 48 bits (16 EiB at 64 KiB chunks); the nonce has room for 88. */
const MAX_CHUNKS = 2 ** 48;

const KEYS_INFO = Buffer.from('sunder/v1 object keys', 'ascii');

// ---------------------------------------------------------------------------------------------
// Caller-facing types

/** What a writer binds an object to. None of it may be personal data. */
export interface SealContext {
  /** 16 random bytes naming the object; stored in clear in the header. */
  objectId: Uint8Array;
  /**
   * Which subject key the data key is wrapped to; stored in clear so a reader can fetch the
   * right secret key. 1-255 printable ASCII characters (0x21-0x7E), never personal data.
   */
  keyId: string;
  /**
   * Bound to every chunk as associated data but not stored, e.g. `"business|<pseudonym>"`.
   * A reader must supply the same string. Never personal data.
   */
  context: string;
}

/** What a reader expects of an object; a mismatch is FORMAT_CONTEXT. */
export interface ExpectedContext {
  /** The context string the writer bound. */
  context: string;
  /** When set, the header's object id must equal it (catches objects moved between slots). */
  objectId?: Uint8Array;
}

/** Options for {@link encryptObject} and the encrypt stream. */
export interface EncryptOptions {
  /**
   * Plaintext bytes per chunk: a power of two from 64 B to 16 MiB. Readers buffer one chunk, so
   * this bounds their memory.
   * @default 65536
   */
  chunkSize?: number;
  /**
   * Randomness for the data key. Leave unset; set only to make test vectors deterministic.
   * @default systemRandom (node:crypto CSPRNG)
   */
  random?: RandomSource;
}

/** A parsed header: everything readable without a key. */
export interface Header {
  /** Format version; this reader only returns headers of version 1. */
  version: number;
  /** Cipher suite; 1 = X25519 stanzas, HKDF-SHA256, HMAC-SHA256, AES-256-GCM STREAM. */
  suite: number;
  /** Plaintext bytes per chunk (a power of two, 64 B to 16 MiB). */
  chunkSize: number;
  /** The 16-byte object id the writer chose. */
  objectId: Uint8Array;
  /** Which subject key the data key is wrapped to. */
  keyId: string;
  /** Recipient stanzas, unverified until an identity opens one. */
  stanzas: Stanza[];
  /** 16-byte check of the bound context; meaningful only with the data key. */
  contextTag: Uint8Array;
  /** Header bytes, from the magic to the end of the context tag (what the commitment covers). */
  headerLength: number;
  /** HMAC-SHA256 of the header under a key derived from the data key (FORMAT.md §3). */
  commitment: Uint8Array;
  /** Offset of the first payload chunk: headerLength + 32. */
  payloadOffset: number;
}

// ---------------------------------------------------------------------------------------------
// Header (FORMAT.md §2)

function fail(code: 'FORMAT_HEADER' | 'FORMAT_VERSION', message: string): never {
  throw new SunderError(code, message);
}

function checkKeyId(keyId: string): Buffer {
  // Check the string itself: latin1 encoding would silently keep only the low byte of '中'.
  let ok = typeof keyId === 'string' && keyId.length >= 1 && keyId.length <= MAX_KEY_ID_BYTES;
  for (let i = 0; ok && i < keyId.length; i++) ok = keyId.charCodeAt(i) >= 0x21 && keyId.charCodeAt(i) <= 0x7e;
  if (!ok) {
    throw new SunderError('CONFIG_INVALID', `expected \`keyId\` to be 1-${MAX_KEY_ID_BYTES} printable ASCII characters (0x21-0x7E)`, { path: ['keyId'] });
  }
  return Buffer.from(keyId, 'latin1');
}

function isPrintableAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b < 0x21 || b > 0x7e) return false;
  return true;
}

export function chunkLog2(chunkSize: number): number {
  const log = Math.log2(chunkSize);
  if (!Number.isInteger(log) || log < MIN_CHUNK_LOG2 || log > MAX_CHUNK_LOG2) {
    throw new SunderError('CONFIG_INVALID', `expected \`chunkSize\` to be a power of two from ${2 ** MIN_CHUNK_LOG2} to ${2 ** MAX_CHUNK_LOG2}, got ${String(chunkSize)}`, { path: ['chunkSize'] });
  }
  return log;
}

/**
 * Encodes the header into a fresh buffer with `extra` bytes of room after it (for the
 * commitment and, in the buffer API, the whole payload: one allocation per object).
 * Returns the buffer and the header length.
 */
export function encodeHeader(chunkSize: number, objectId: Uint8Array, keyId: string, stanzas: readonly Stanza[], contextTag: Uint8Array, extra = 0): { buf: Buffer; length: number } {
  const log = chunkLog2(chunkSize);
  const kid = checkKeyId(keyId);
  if (!(objectId instanceof Uint8Array) || objectId.length !== OBJECT_ID_BYTES) {
    throw new SunderError('CONFIG_INVALID', `expected \`objectId\` to be ${OBJECT_ID_BYTES} bytes`, { path: ['objectId'] });
  }
  if (stanzas.length < 1 || stanzas.length > MAX_STANZAS) {
    throw new SunderError('CONFIG_INVALID', `expected 1-${MAX_STANZAS} recipient stanzas, got ${stanzas.length}`, { path: ['recipients'] });
  }
  let size = 4 + 1 + 1 + 1 + OBJECT_ID_BYTES + 1 + kid.length + 1 + CONTEXT_TAG_BYTES;
  for (const s of stanzas) {
    if (s.body.length > MAX_STANZA_BODY_BYTES || s.type < 0 || s.type > 255) throw new SunderError('INTERNAL', 'a recipient produced an oversized or mistyped stanza');
    size += 3 + s.body.length;
  }
  const out = Buffer.allocUnsafe(size + extra);
  let o = 0;
  out.set(MAGIC, o); o += 4;
  out[o++] = FORMAT_VERSION;
  out[o++] = SUITE_V1;
  out[o++] = log;
  out.set(objectId, o); o += OBJECT_ID_BYTES;
  out[o++] = kid.length;
  out.set(kid, o); o += kid.length;
  out[o++] = stanzas.length;
  for (const s of stanzas) {
    out[o++] = s.type;
    out.writeUInt16BE(s.body.length, o); o += 2;
    out.set(s.body, o); o += s.body.length;
  }
  out.set(contextTag, o);
  return { buf: out, length: size };
}

/**
 * Validates as much of a header as `bytes` holds, without copying anything. Returns 0 when the
 * header and its commitment are complete, otherwise the total length needed before another
 * look can get further (a stream reader waits until it has that many bytes, so feeding a header
 * one byte at a time stays linear). Throws FORMAT_HEADER / FORMAT_VERSION as soon as the bytes
 * present are enough to know the header is malformed or unknown.
 */
export function headerNeeds(bytes: Uint8Array): number {
  const n = bytes.length;
  // Check what we have as early as we have it, so a non-Sunder stream fails at byte 4, not 64 KiB.
  for (let i = 0; i < 4 && i < n; i++) {
    if (bytes[i] !== MAGIC[i]) fail('FORMAT_HEADER', 'the magic bytes are not "SNDR": this is not a Sunder object');
  }
  if (n < 7) return 7;
  const version = bytes[4]!;
  if (version !== FORMAT_VERSION) fail('FORMAT_VERSION', `format version ${version} is not supported (this reader knows version ${FORMAT_VERSION}): written by a newer Sunder, or tampered with`);
  const suite = bytes[5]!;
  if (suite !== SUITE_V1) fail('FORMAT_VERSION', `cipher suite ${suite} is not supported (this reader knows suite ${SUITE_V1}): written by a newer Sunder, or tampered with`);
  const log = bytes[6]!;
  if (log < MIN_CHUNK_LOG2 || log > MAX_CHUNK_LOG2) fail('FORMAT_HEADER', `chunk size 2^${log} is out of range (2^${MIN_CHUNK_LOG2} to 2^${MAX_CHUNK_LOG2}): the header is malformed`);
  let o = 7 + OBJECT_ID_BYTES;
  if (n < o + 1) return o + 1;
  const kidLen = bytes[o++]!;
  if (kidLen === 0) fail('FORMAT_HEADER', 'the key id is empty: the header is malformed');
  if (n < o + kidLen + 1) return o + kidLen + 1;
  if (!isPrintableAscii(bytes.subarray(o, o + kidLen))) fail('FORMAT_HEADER', 'the key id is not printable ASCII: the header is malformed');
  o += kidLen;
  const count = bytes[o++]!;
  if (count < 1 || count > MAX_STANZAS) fail('FORMAT_HEADER', `expected 1-${MAX_STANZAS} recipient stanzas, got ${count}: the header is malformed`);
  for (let i = 0; i < count; i++) {
    if (n < o + 3) return o + 3;
    const len = (bytes[o + 1]! << 8) | bytes[o + 2]!;
    o += 3;
    if (len > MAX_STANZA_BODY_BYTES) fail('FORMAT_HEADER', `a stanza body is ${len} bytes, over the ${MAX_STANZA_BODY_BYTES}-byte limit: the header is malformed`);
    o += len;
    if (n < o) return o;
  }
  o += CONTEXT_TAG_BYTES + COMMITMENT_BYTES;
  return n < o ? o : 0;
}

/**
 * Parses a header and its commitment from the start of `bytes`. Returns null when `bytes` ends
 * before the commitment does (a stream reader waits for more; a buffer reader reports
 * truncation). Throws FORMAT_HEADER / FORMAT_VERSION for a malformed or unknown header.
 */
export function parseHeader(bytes: Uint8Array): Header | null {
  if (headerNeeds(bytes) !== 0) return null;
  // Layout already validated by headerNeeds: read it without re-checking.
  let o = 7;
  const objectId = bytes.slice(o, o + OBJECT_ID_BYTES); o += OBJECT_ID_BYTES;
  const kidLen = bytes[o++]!;
  const keyId = Buffer.from(bytes.buffer, bytes.byteOffset + o, kidLen).toString('latin1'); o += kidLen;
  const count = bytes[o++]!;
  const stanzas: Stanza[] = [];
  for (let i = 0; i < count; i++) {
    const type = bytes[o]!;
    const len = (bytes[o + 1]! << 8) | bytes[o + 2]!;
    o += 3;
    stanzas.push({ type, body: bytes.slice(o, o + len) });
    o += len;
  }
  const contextTag = bytes.slice(o, o + CONTEXT_TAG_BYTES); o += CONTEXT_TAG_BYTES;
  const headerLength = o;
  const commitment = bytes.slice(o, o + COMMITMENT_BYTES);
  return { version: bytes[4]!, suite: bytes[5]!, chunkSize: 2 ** bytes[6]!, objectId, keyId, stanzas, contextTag, headerLength, commitment, payloadOffset: o + COMMITMENT_BYTES };
}

/**
 * Reads an object's header without any key: object id, key id, chunk size, stanzas. Throws
 * FORMAT_TRUNCATED if `bytes` ends inside the header or its commitment.
 */
export function readHeader(bytes: Uint8Array): Header {
  const header = parseHeader(bytes);
  if (header === null) throw new SunderError('FORMAT_TRUNCATED', 'the object ends inside its header: it is truncated');
  return header;
}

// ---------------------------------------------------------------------------------------------
// Key schedule, commitment and context (FORMAT.md §3)

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * HKDF-Expand-SHA256 (RFC 5869 §2.3), general length. Not on the per-object path:
 * `deriveObjectKeys` inlines the two-block expansion it needs. Kept as the reference the tests
 * check against (RFC 5869 vectors, and `deriveObjectKeys` equals it for 64 bytes).
 */
export function hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks = Math.ceil(length / 32);
  if (blocks > 255) throw new SunderError('INTERNAL', 'HKDF-Expand output too long');
  const out = Buffer.allocUnsafe(blocks * 32);
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 1; i <= blocks; i++) {
    previous = hmac(prk, previous, info, new Uint8Array([i]));
    out.set(previous, (i - 1) * 32);
  }
  return out.subarray(0, length);
}

/**
 * payload key || MAC key = HKDF-Expand-SHA256(PRK = data key, info = "sunder/v1 object keys"
 * || object id, 64). HKDF-Extract is skipped as RFC 5869 §3.3 allows: the data key is already
 * 32 uniformly random bytes from a CSPRNG, and the extract step would cost a fifth HMAC per
 * object (~2 µs of a ~20 µs budget; docs/FORMAT.md, "Cost per object").
 */
export function deriveObjectKeys(dataKey: Uint8Array, objectId: Uint8Array): { payloadKey: Buffer; macKey: Buffer } {
  // info || counter in one buffer: each update() is a native call, and this runs per object.
  const block = Buffer.allocUnsafe(KEYS_INFO.length + OBJECT_ID_BYTES + 1);
  block.set(KEYS_INFO, 0);
  block.set(objectId, KEYS_INFO.length);
  block[block.length - 1] = 1;
  const t1 = hmac(dataKey, block);
  block[block.length - 1] = 2;
  const t2 = hmac(dataKey, t1, block);
  return { payloadKey: t1, macKey: t2 };
}

/**
 * The context as bytes, already prefixed with its domain label:
 * "sunder/v1 context\0" || UTF-8(context). `.subarray(CONTEXT_LABEL_BYTES)` is the bare context.
 */
function labelledContext(context: unknown): Buffer {
  if (typeof context !== 'string') throw new SunderError('CONFIG_INVALID', `expected \`context\` to be a string, got ${typeof context}`, { path: ['context'] });
  return Buffer.from(CONTEXT_LABEL_STRING + context, 'utf8');
}
const CONTEXT_LABEL_STRING = 'sunder/v1 context\0';
const CONTEXT_LABEL_BYTES = CONTEXT_LABEL_STRING.length; // ASCII: characters = bytes

/** HMAC-SHA256(macKey, "sunder/v1 context\0" || UTF-8(context)), first 16 bytes. */
function contextTagOf(macKey: Uint8Array, labelled: Buffer): Buffer {
  return hmac(macKey, labelled).subarray(0, CONTEXT_TAG_BYTES);
}

/** Keys and associated data for one object's payload, shared by the buffer and stream APIs. */
export interface PayloadKeys {
  payloadKey: Buffer;
  /** commitment (32) || UTF-8(context): bound to every chunk. */
  aad: Buffer;
  chunkSize: number;
}

/**
 * Writer side: draws the data key, wraps it, and writes header || commitment at the start of
 * a fresh buffer with `room` spare bytes after them. Returns the buffer, the payload offset,
 * and the payload keys.
 */
export function sealHeader(recipients: Recipient | readonly Recipient[], ctx: SealContext, options: EncryptOptions = {}, room = 0): { out: Buffer; offset: number; keys: PayloadKeys } {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  chunkLog2(chunkSize);
  const labelled = labelledContext(ctx.context);
  const random = options.random ?? systemRandom;
  const dataKey = random(DATA_KEY_BYTES);
  let stanzas: Stanza[];
  if (Array.isArray(recipients)) {
    stanzas = [];
    for (const r of recipients as readonly Recipient[]) stanzas.push(...r.wrap(dataKey));
  } else {
    stanzas = (recipients as Recipient).wrap(dataKey);
  }
  const { payloadKey, macKey } = deriveObjectKeys(dataKey, ctx.objectId);
  dataKey.fill(0);
  const { buf, length } = encodeHeader(chunkSize, ctx.objectId, ctx.keyId, stanzas, contextTagOf(macKey, labelled), COMMITMENT_BYTES + room);
  const commitment = hmac(macKey, buf.subarray(0, length));
  macKey.fill(0);
  buf.set(commitment, length);
  return { out: buf, offset: length + COMMITMENT_BYTES, keys: { payloadKey, aad: aadFor(commitment, labelled.subarray(CONTEXT_LABEL_BYTES)), chunkSize } };
}

function aadFor(commitment: Uint8Array, contextBytes: Uint8Array): Buffer {
  const aad = Buffer.allocUnsafe(COMMITMENT_BYTES + contextBytes.length);
  aad.set(commitment, 0);
  aad.set(contextBytes, COMMITMENT_BYTES);
  return aad;
}

/**
 * Reader side: checks the expected object id, unwraps the data key, then verifies the key
 * commitment and the context tag, all BEFORE any payload byte is decrypted.
 */
export function openHeader(identity: Identity, bytes: Uint8Array, header: Header, expected: ExpectedContext): PayloadKeys {
  const labelled = labelledContext(expected.context);
  if (expected.objectId !== undefined && !bytesEqual(expected.objectId, header.objectId)) {
    throw new SunderError('FORMAT_CONTEXT', 'the object id in the header is not the one expected: this object was moved or swapped');
  }
  const dataKey = identity.unwrap(header.stanzas);
  if (dataKey === null) {
    throw new SunderError('KEYS_WRONG', 'no recipient stanza opens with this key: wrong key, or the stanza was tampered with');
  }
  if (dataKey.length !== DATA_KEY_BYTES) {
    throw new SunderError('FORMAT_HEADER', `a stanza unwrapped to ${dataKey.length} bytes, not a ${DATA_KEY_BYTES}-byte data key: the header is malformed`);
  }
  const { payloadKey, macKey } = deriveObjectKeys(dataKey, header.objectId);
  dataKey.fill(0);
  let expectedCommitment: Buffer;
  try {
    expectedCommitment = hmac(macKey, bytes.subarray(0, header.headerLength));
    if (!timingSafeEqual(expectedCommitment, header.commitment)) {
      throw new SunderError('FORMAT_COMMITMENT', 'the key commitment does not match the header: the header was tampered with, or the data key was swapped');
    }
    if (!timingSafeEqual(contextTagOf(macKey, labelled), header.contextTag)) {
      throw new SunderError('FORMAT_CONTEXT', 'the object was sealed for a different context: it was moved between subjects or kinds');
    }
  } catch (err) {
    payloadKey.fill(0);
    throw err;
  } finally {
    macKey.fill(0);
  }
  return { payloadKey, aad: aadFor(expectedCommitment, labelled.subarray(CONTEXT_LABEL_BYTES)), chunkSize: header.chunkSize };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---------------------------------------------------------------------------------------------
// STREAM payload (FORMAT.md §4)

/**
 * 11-byte big-endian chunk counter || last-chunk flag (0x01 on the last chunk, else 0x00).
 * Not exported: the chunk-0 nonces are shared buffers and must not be handed out to mutate.
 */
function chunkNonce(index: number, last: boolean): Buffer {
  // Most objects are one chunk: share the two chunk-0 nonces (node copies the IV it is given).
  if (index === 0) return last ? NONCE_0_LAST : NONCE_0;
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_CHUNKS) throw new SunderError('INTERNAL', 'an object holds at most 2^48 chunks: the chunk counter would overflow');
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeUIntBE(index, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

const NONCE_0 = Buffer.alloc(NONCE_BYTES);
const NONCE_0_LAST = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

/** Encrypts one chunk into `out` at `offset` (ciphertext then tag); returns the new offset. */
export function sealChunk(keys: PayloadKeys, index: number, last: boolean, plain: Uint8Array, out: Uint8Array, offset: number): number {
  const cipher = createCipheriv('aes-256-gcm', keys.payloadKey, chunkNonce(index, last));
  cipher.setAAD(keys.aad);
  const ct = cipher.update(plain);
  out.set(ct, offset);
  const fin = cipher.final();
  out.set(fin, offset + ct.length);
  out.set(cipher.getAuthTag(), offset + ct.length + fin.length);
  return offset + plain.length + TAG_BYTES;
}

function tryOpen(keys: PayloadKeys, index: number, last: boolean, sealed: Uint8Array): Buffer | null {
  const body = sealed.subarray(0, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', keys.payloadKey, chunkNonce(index, last));
  decipher.setAAD(keys.aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(body);
  try {
    decipher.final();
  } catch {
    return null;
  }
  return plain;
}

/**
 * Decrypts one chunk. `last` says whether the reader saw the end of input right after it.
 * On failure, the other flag is tried only to name the attack precisely.
 */
export function openChunk(keys: PayloadKeys, index: number, last: boolean, sealed: Uint8Array): Buffer {
  if (sealed.length < TAG_BYTES) {
    throw new SunderError('FORMAT_TRUNCATED', 'the object ends inside a chunk\'s authentication tag: it is truncated');
  }
  const plain = tryOpen(keys, index, last, sealed);
  if (plain !== null) {
    // STREAM's canonical form: only an empty object has an empty (last) chunk.
    if (last && index > 0 && plain.length === 0) throw new SunderError('FORMAT_TAG', 'an empty last chunk after a full one is not canonical: the payload was altered');
    return plain;
  }
  if (tryOpen(keys, index, !last, sealed) !== null) {
    if (last) throw new SunderError('FORMAT_TRUNCATED', 'a stream cannot end without a chunk marked last: this object is truncated');
    throw new SunderError('FORMAT_TRAILING', 'data follows the chunk marked last: something was appended to this object');
  }
  throw new SunderError('FORMAT_TAG', `chunk ${index} fails authentication: it was tampered with, reordered, or belongs to another object`);
}

/** Number of chunks for a plaintext length: an empty plaintext is one empty last chunk. */
export function chunkCount(length: number, chunkSize: number): number {
  return length === 0 ? 1 : Math.ceil(length / chunkSize);
}

// ---------------------------------------------------------------------------------------------
// Buffer API

/**
 * Encrypts a whole object in memory: the fast path for small business objects. Produces the
 * same bytes as {@link createEncryptStream} for the same inputs and randomness.
 *
 * @param recipients who may read it (usually one: `sender.recipient(subjectPublicKey)`)
 * @param ctx object id, key id and context (none of it personal data)
 */
export function encryptObject(recipients: Recipient | readonly Recipient[], ctx: SealContext, plaintext: Uint8Array, options: EncryptOptions = {}): Uint8Array {
  const cs = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const chunks = chunkCount(plaintext.length, cs);
  const { out, offset, keys } = sealHeader(recipients, ctx, options, plaintext.length + chunks * TAG_BYTES);
  let o = offset;
  for (let i = 0; i < chunks; i++) {
    const start = i * cs;
    o = sealChunk(keys, i, i === chunks - 1, plaintext.subarray(start, Math.min(start + cs, plaintext.length)), out, o);
  }
  return out;
}

/**
 * Decrypts a whole object in memory. Checks, in order: header (FORMAT_HEADER, FORMAT_VERSION,
 * FORMAT_TRUNCATED), expected object id (FORMAT_CONTEXT), the key (KEYS_WRONG), the key
 * commitment (FORMAT_COMMITMENT), the context (FORMAT_CONTEXT), then every chunk (FORMAT_TAG,
 * FORMAT_TRUNCATED, FORMAT_TRAILING). Nothing is returned unless all of it holds.
 */
export function decryptObject(identity: Identity, ciphertext: Uint8Array, expected: ExpectedContext): Uint8Array {
  const header = readHeader(ciphertext);
  const keys = openHeader(identity, ciphertext, header, expected);
  const payload = ciphertext.subarray(header.payloadOffset);
  if (payload.length === 0) throw new SunderError('FORMAT_TRUNCATED', 'the object has no payload chunk, not even the empty last one: it is truncated');
  const sealedChunk = keys.chunkSize + TAG_BYTES;
  const chunks = Math.ceil(payload.length / sealedChunk);
  const parts: Buffer[] = [];
  for (let i = 0; i < chunks; i++) {
    const start = i * sealedChunk;
    const last = i === chunks - 1;
    parts.push(openChunk(keys, i, last, payload.subarray(start, last ? payload.length : start + sealedChunk)));
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
