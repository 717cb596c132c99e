import { hkdfSync, createHmac } from 'node:crypto';
import type { Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  COMMITMENT_BYTES, DEFAULT_CHUNK_SIZE, decryptObject, deriveObjectKeys, encodeHeader, encryptObject, headerNeeds, hkdfExpandSha256, readHeader, TAG_BYTES,
  type SealContext,
} from '../../src/crypto/format.js';
import { X25519Identity, X25519Sender } from '../../src/crypto/recipient.js';
import { createDecryptStream, createEncryptStream } from '../../src/crypto/stream.js';
import { generateX25519KeyPair, x25519KeyPairFromSecretKey } from '../../src/crypto/x25519.js';
import { seededRandom } from '../../fixtures/vectors/generate.js';
import { codeOf, runThrough } from './helpers.js';

const rand = seededRandom('test format');
const subject = generateX25519KeyPair();
const identity = new X25519Identity(subject.secretKey);
const sender = new X25519Sender();
const recipient = sender.recipient(subject.publicKey);
const ctx = (): SealContext => ({ objectId: rand(16), keyId: 'k-01', context: 'business|ps-0001' });

describe('round trips over lengths around the chunk size', () => {
  for (const cs of [64, 1024, DEFAULT_CHUNK_SIZE]) {
    const lengths = [0, 1, cs - 1, cs, cs + 1, 2 * cs - 1, 2 * cs, 2 * cs + 1, 2 * cs + 500, 3 * cs];
    it(`chunk size ${cs}: buffer and stream APIs agree byte for byte and both decrypt`, async () => {
      for (const len of lengths) {
        const plain = rand(len);
        const c = ctx();
        // Same seed for both writers: identical randomness must give identical bytes.
        const ephemeral = rand(32);
        const mk = () => {
          const r = seededRandom(`rt ${cs} ${len}`);
          const s = new X25519Sender({ ephemeralSecretKey: ephemeral, random: r });
          return { recipient: s.recipient(subject.publicKey), random: r };
        };
        const a = mk();
        const viaBuffer = encryptObject(a.recipient, c, plain, { chunkSize: cs, random: a.random });
        const b = mk();
        const viaStream = await runThrough(createEncryptStream(b.recipient, c, { chunkSize: cs, random: b.random }), plain, [5, cs, 3 * cs + 7, 1]);
        expect(Buffer.from(viaStream).equals(Buffer.from(viaBuffer)), `len ${len}`).toBe(true);
        const chunks = len === 0 ? 1 : Math.ceil(len / cs);
        expect(viaBuffer.length - readHeader(viaBuffer).payloadOffset, `len ${len}`).toBe(len + chunks * TAG_BYTES);
        expect(Buffer.from(decryptObject(identity, viaBuffer, { context: c.context, objectId: c.objectId })).equals(Buffer.from(plain))).toBe(true);
        const streamed = await runThrough(createDecryptStream(identity, { context: c.context }), viaBuffer, [cs + 16, 9, 2 * cs]);
        expect(streamed.equals(Buffer.from(plain)), `len ${len}`).toBe(true);
      }
    });
  }

  it('stream-encrypts with an empty write and nothing else into one empty last chunk', async () => {
    const c = ctx();
    const ct = await runThrough(createEncryptStream(recipient, c), new Uint8Array(0));
    expect(decryptObject(identity, ct, { context: c.context })).toHaveLength(0);
  });

  it('streams a multi-MiB object with bounded pieces (default 64 KiB chunks)', async () => {
    const plain = rand(3 * DEFAULT_CHUNK_SIZE * 5 + 12345);
    const c = ctx();
    const ct = await runThrough(createEncryptStream(recipient, c), plain, [100_000, 7_777]);
    const back = await runThrough(createDecryptStream(identity, { context: c.context }), ct, [65_000, 131_072]);
    expect(back.equals(Buffer.from(plain))).toBe(true);
  });

  it('is randomised: two encryptions of the same input differ (fresh data key and nonce)', () => {
    const c = ctx();
    const plain = rand(100);
    expect(Buffer.from(encryptObject(recipient, c, plain)).equals(Buffer.from(encryptObject(recipient, c, plain)))).toBe(false);
  });
});

describe('readHeader', () => {
  it('reads object id, key id, chunk size and stanzas without a key', () => {
    const c = ctx();
    const ct = encryptObject(recipient, c, rand(10), { chunkSize: 4096 });
    const h = readHeader(ct);
    expect(h.version).toBe(1);
    expect(h.suite).toBe(1);
    expect(h.chunkSize).toBe(4096);
    expect(Buffer.from(h.objectId)).toEqual(Buffer.from(c.objectId));
    expect(h.keyId).toBe('k-01');
    expect(h.stanzas).toHaveLength(1);
    expect(Buffer.from(h.stanzas[0]!.body.subarray(0, 32))).toEqual(Buffer.from(sender.publicKey));
    expect(h.payloadOffset).toBe(h.headerLength + COMMITMENT_BYTES);
  });

  it('headerNeeds says how many bytes to wait for, never less than one more, and 0 when complete', () => {
    const ct = encryptObject(recipient, ctx(), rand(10));
    const { payloadOffset } = readHeader(ct);
    const seen = new Set<number>();
    for (let n = 0; n < payloadOffset; n++) {
      const need = headerNeeds(ct.subarray(0, n));
      expect(need).toBeGreaterThan(n);
      expect(need).toBeLessThanOrEqual(payloadOffset);
      seen.add(need);
    }
    expect(headerNeeds(ct.subarray(0, payloadOffset))).toBe(0);
    // Waits jump field by field (magic+version+suite+size, key id, count, stanza, tags), not byte by byte.
    expect(seen.size).toBeLessThan(10);
  });

  it('a maximal header (16 stanzas of 4096 bytes) streamed one byte at a time is parsed, then refused for want of a key', async () => {
    const stanzas = Array.from({ length: 16 }, () => ({ type: 0x7f, body: rand(4096) }));
    const { buf, length } = encodeHeader(64, rand(16), 'k-01', stanzas, rand(16), 32 + 16);
    expect(length).toBeGreaterThan(65_000);
    const t = createDecryptStream(identity, { context: 'x' });
    expect(await codeOf(runThrough(t, buf, [1]))).toBe('KEYS_WRONG');
  });

  it('reports a cut header as FORMAT_TRUNCATED', () => {
    const ct = encryptObject(recipient, ctx(), rand(10));
    expect(() => readHeader(ct.subarray(0, 30))).toThrow(expect.objectContaining({ code: 'FORMAT_TRUNCATED' }));
  });
});

describe('key schedule', () => {
  it('HKDF-Expand matches RFC 5869 test case 1', () => {
    const prk = Buffer.from('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5', 'hex');
    const info = Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex');
    expect(hkdfExpandSha256(prk, info, 42).toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('derives payload key || MAC key as HKDF-Expand(data key, "sunder/v1 object keys" || object id, 64)', () => {
    const dataKey = rand(32);
    const objectId = rand(16);
    const { payloadKey, macKey } = deriveObjectKeys(dataKey, objectId);
    const okm = hkdfExpandSha256(dataKey, Buffer.concat([Buffer.from('sunder/v1 object keys'), objectId]), 64);
    expect(Buffer.concat([payloadKey, macKey])).toEqual(okm);
    // Not HKDF with extract: the spec says extract is skipped (RFC 5869 §3.3); pin that choice.
    expect(Buffer.from(hkdfSync('sha256', dataKey, objectId, 'sunder/v1 object keys', 64))).not.toEqual(okm);
  });

  it('commits to the header: the commitment is HMAC-SHA256(MAC key, header bytes)', () => {
    // Recompute the commitment from the spec with a seeded data key, independently of encryptObject.
    const r = seededRandom('commitment');
    const ephemeral = r(32);
    const dataKeySource = seededRandom('commitment data key');
    const dataKey = seededRandom('commitment data key')(32);
    const s = new X25519Sender({ ephemeralSecretKey: ephemeral, random: r });
    const c = ctx();
    const ct = encryptObject(s.recipient(subject.publicKey), c, rand(5), { random: dataKeySource });
    const h = readHeader(ct);
    const { macKey } = deriveObjectKeys(dataKey, c.objectId);
    expect(createHmac('sha256', macKey).update(ct.subarray(0, h.headerLength)).digest()).toEqual(Buffer.from(h.commitment));
    const tag = createHmac('sha256', macKey).update('sunder/v1 context\0').update(c.context).digest().subarray(0, 16);
    expect(tag).toEqual(Buffer.from(h.contextTag));
    expect(x25519KeyPairFromSecretKey(ephemeral).publicKey).toEqual(s.publicKey);
  });
});

describe('argument errors', () => {
  it('rejects bad chunk sizes, object ids and key ids with CONFIG_INVALID and a field path', () => {
    const plain = rand(1);
    for (const chunkSize of [0, 32, 100, 2 ** 25]) {
      expect(() => encryptObject(recipient, ctx(), plain, { chunkSize })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['chunkSize'] }));
    }
    expect(() => encryptObject(recipient, { ...ctx(), objectId: rand(15) }, plain)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['objectId'] }));
    for (const keyId of ['', 'has space', 'x'.repeat(256), 'café', '中', 'a\nb']) {
      expect(() => encryptObject(recipient, { ...ctx(), keyId }, plain)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['keyId'] }));
    }
    expect(() => createEncryptStream(recipient, { ...ctx(), keyId: '' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('never puts the context, key id or plaintext into an error message', () => {
    const c = { ...ctx(), context: 'business|SECRET-PSEUDONYM' };
    const ct = encryptObject(recipient, c, Buffer.from('PLAINTEXT-MARKER'));
    for (const attempt of [
      () => decryptObject(identity, ct, { context: 'business|OTHER-PSEUDONYM' }),
      () => decryptObject(new X25519Identity(generateX25519KeyPair().secretKey), ct, { context: c.context }),
    ]) {
      try {
        attempt();
        expect.unreachable();
      } catch (err) {
        expect(String((err as Error).message)).not.toMatch(/SECRET|OTHER|PLAINTEXT|k-01/);
      }
    }
  });
});

/** Writes `input` in pieces and records every chunk the transform pushes ('data' in flowing mode). */
async function pushes(t: Transform, input: Uint8Array, piece: number): Promise<{ out: Buffer; sizes: number[] }> {
  const sizes: number[] = [];
  const parts: Buffer[] = [];
  t.on('data', (b: Buffer) => {
    sizes.push(b.length);
    parts.push(b);
  });
  const done = new Promise((resolve, reject) => {
    t.on('end', resolve);
    t.on('error', reject);
  });
  for (let at = 0; at < input.length; at += piece) t.write(input.subarray(at, at + piece));
  t.end();
  await done;
  return { out: Buffer.concat(parts), sizes };
}

describe('streams hold at most one chunk', () => {
  it('emits sealed chunks of at most chunk size + 16 and plaintext pieces of at most chunk size', async () => {
    const cs = 1024;
    const plain = rand(50 * cs + 3);
    const c = ctx();
    const enc = await pushes(createEncryptStream(recipient, c, { chunkSize: cs }), plain, 10 * cs + 5);
    expect(enc.sizes[0]).toBe(readHeader(enc.out).payloadOffset);
    expect(Math.max(...enc.sizes.slice(1))).toBe(cs + 16);
    expect(enc.sizes).toHaveLength(1 + 51);
    const dec = await pushes(createDecryptStream(identity, { context: c.context }), enc.out, 20 * cs);
    expect(dec.out.equals(Buffer.from(plain))).toBe(true);
    expect(Math.max(...dec.sizes)).toBe(cs);
    expect(dec.sizes).toHaveLength(51);
  });
});

describe('streams fail the way the buffer API fails', () => {
  it('a decrypt stream reports a wrong key before emitting anything', async () => {
    const c = ctx();
    const ct = encryptObject(recipient, c, rand(500), { chunkSize: 64 });
    const other = new X25519Identity(generateX25519KeyPair().secretKey);
    expect(await codeOf(runThrough(createDecryptStream(other, { context: c.context }), ct, [3]))).toBe('KEYS_WRONG');
  });

  it('a decrypt stream fails fast on a non-Sunder input, after the magic bytes', async () => {
    const t = createDecryptStream(identity, { context: 'x' });
    const failed = new Promise((resolve) => t.on('error', resolve));
    t.write(Buffer.from('PK\x03\x04'));
    expect(await failed).toMatchObject({ code: 'FORMAT_HEADER' });
  });
});
