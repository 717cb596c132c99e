/**
 * Streaming encryption and decryption for objects too large to hold in memory (media, GB-sized).
 * Built on the same primitives as the buffer API in format.ts, so for identical inputs and
 * randomness the bytes are identical, and for the same tampering the error code is identical.
 *
 * Memory is bounded by one chunk (plus the header): a writer holds back a full chunk until it
 * knows more data follows (only then is it "not last"); a reader does the same with a sealed
 * chunk, because only the end of input tells it which chunk must carry the last-chunk flag.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { SunderError } from '../errors.js';
import type { Identity, Recipient } from './recipient.js';
import { headerNeeds, openChunk, openHeader, parseHeader, sealChunk, sealHeader, TAG_BYTES, type EncryptOptions, type ExpectedContext, type PayloadKeys, type SealContext } from './format.js';

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new SunderError('CONFIG_INVALID', `expected the stream to carry bytes, got ${typeof chunk}`);
}

/**
 * A Transform that encrypts the bytes written to it into one Sunder object. Argument errors
 * (bad key id, object id, chunk size) throw here, before any byte flows.
 */
export function createEncryptStream(recipients: Recipient | readonly Recipient[], ctx: SealContext, options: EncryptOptions = {}): Transform {
  const { out, offset, keys } = sealHeader(recipients, ctx, options);
  const prefix = out.subarray(0, offset);
  const cs = keys.chunkSize;
  const pending = Buffer.allocUnsafe(cs);
  let fill = 0;
  let index = 0;
  let headerSent = false;

  const seal = (last: boolean): Buffer => {
    const out = Buffer.allocUnsafe(fill + TAG_BYTES);
    sealChunk(keys, index++, last, pending.subarray(0, fill), out, 0);
    fill = 0;
    return out;
  };

  return new Transform({
    transform(chunk: unknown, _enc: BufferEncoding, callback: TransformCallback) {
      try {
        if (!headerSent) {
          this.push(prefix);
          headerSent = true;
        }
        const input = asBuffer(chunk);
        let at = 0;
        while (at < input.length) {
          // A full chunk is sealed "not last" only once we know another byte follows it.
          if (fill === cs) this.push(seal(false));
          // Fast path: a whole chunk with more input behind it seals straight from the input.
          if (fill === 0 && input.length - at > cs) {
            const out = Buffer.allocUnsafe(cs + TAG_BYTES);
            sealChunk(keys, index++, false, input.subarray(at, at + cs), out, 0);
            this.push(out);
            at += cs;
            continue;
          }
          const n = Math.min(cs - fill, input.length - at);
          input.copy(pending, fill, at, at + n);
          fill += n;
          at += n;
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!headerSent) this.push(prefix);
        this.push(seal(true));
        pending.fill(0);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/**
 * A Transform that decrypts one Sunder object. It emits plaintext only chunk by chunk after
 * each chunk authenticates, but truncation is only knowable at the end: a consumer must not act
 * on the output (commit, publish) until the stream finishes without error.
 */
export function createDecryptStream(identity: Identity, expected: ExpectedContext): Transform {
  // Header bytes are collected as pieces and joined only once enough have arrived for the
  // parser to get further (headerNeeds), so a header fed one byte at a time costs linear work.
  let headerPieces: Buffer[] | null = [];
  let headerLength = 0;
  let need = 1;
  let keys: PayloadKeys | null = null;
  let sealed: Buffer = Buffer.alloc(0);
  let fill = 0;
  let index = 0;

  const takeHeader = (input: Buffer): Buffer | null => {
    headerPieces!.push(input);
    headerLength += input.length;
    if (headerLength < need) return null;
    const bytes = headerPieces!.length === 1 ? headerPieces![0]! : Buffer.concat(headerPieces!);
    headerPieces = [bytes];
    need = headerNeeds(bytes);
    if (need !== 0) return null;
    const header = parseHeader(bytes)!;
    keys = openHeader(identity, bytes, header, expected);
    sealed = Buffer.allocUnsafe(keys.chunkSize + TAG_BYTES);
    headerPieces = null;
    return bytes.subarray(header.payloadOffset);
  };

  return new Transform({
    transform(chunk: unknown, _enc: BufferEncoding, callback: TransformCallback) {
      try {
        let input: Buffer | null = asBuffer(chunk);
        if (keys === null) input = takeHeader(input);
        if (input === null || keys === null) return callback();
        const k: PayloadKeys = keys;
        let at = 0;
        while (at < input.length) {
          // A full sealed chunk followed by more input cannot be the last one.
          if (fill === sealed.length) {
            this.push(openChunk(k, index++, false, sealed));
            fill = 0;
          }
          // Fast path: a whole sealed chunk with more input behind it opens straight from the input.
          if (fill === 0 && input.length - at > sealed.length) {
            this.push(openChunk(k, index++, false, input.subarray(at, at + sealed.length)));
            at += sealed.length;
            continue;
          }
          const n = Math.min(sealed.length - fill, input.length - at);
          input.copy(sealed, fill, at, at + n);
          fill += n;
          at += n;
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (keys === null) throw new SunderError('FORMAT_TRUNCATED', 'the object ends inside its header: it is truncated');
        if (fill === 0) throw new SunderError('FORMAT_TRUNCATED', 'the object has no payload chunk, not even the empty last one: it is truncated');
        this.push(openChunk(keys, index++, true, sealed.subarray(0, fill)));
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}
