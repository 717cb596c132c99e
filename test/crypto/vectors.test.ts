import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptObject } from '../../src/crypto/format.js';
import { X25519Identity } from '../../src/crypto/recipient.js';
import { createDecryptStream } from '../../src/crypto/stream.js';
import { buildVectors, VECTOR_DIR, type Vector } from '../../fixtures/vectors/generate.js';
import { codeOf, runThrough } from './helpers.js';

const files = readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.json')).sort();
const vectors: Vector[] = files.map((f) => JSON.parse(readFileSync(join(VECTOR_DIR, f), 'utf8')) as Vector);

function inputs(v: Vector) {
  return {
    identity: new X25519Identity(Buffer.from(v.identity, 'hex')),
    ciphertext: Buffer.from(v.ciphertext, 'hex'),
    expected: { context: v.context, ...(v.objectId !== undefined ? { objectId: Buffer.from(v.objectId, 'hex') } : {}) },
  };
}

function checkPlaintext(v: Vector, plain: Uint8Array): void {
  expect(Buffer.from(plain).toString('hex')).toBe(v.plaintext);
  expect(createHash('sha256').update(plain).digest('hex')).toBe(v.plaintextSha256);
}

describe('format vectors', () => {
  it('are all present, one per failure, and cover every format error code', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(50);
    const codes = new Set(vectors.map((v) => v.expect));
    for (const code of ['ok', 'FORMAT_VERSION', 'FORMAT_HEADER', 'FORMAT_COMMITMENT', 'FORMAT_TAG', 'FORMAT_TRUNCATED', 'FORMAT_TRAILING', 'FORMAT_CONTEXT', 'KEYS_WRONG']) {
      expect(codes, code).toContain(code);
    }
    for (const v of vectors) expect(files).toContain(`${v.name}.json`);
  });

  it('are exactly what the committed seeded generator produces', () => {
    const built = buildVectors();
    expect(built.map((v) => v.name).sort()).toEqual(vectors.map((v) => v.name));
    for (const v of built) expect(v, v.name).toEqual(vectors.find((w) => w.name === v.name));
  });

  describe.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    it(`buffer API: ${v.expect}`, () => {
      const { identity, ciphertext, expected } = inputs(v);
      let got = 'ok';
      let plain: Uint8Array | undefined;
      try {
        plain = decryptObject(identity, ciphertext, expected);
      } catch (err) {
        got = (err as { code?: string }).code ?? String(err);
      }
      expect(got).toBe(v.expect);
      if (v.expect === 'ok') checkPlaintext(v, plain!);
    });

    it(`stream API, whole and in odd-sized pieces: ${v.expect}`, async () => {
      for (const pieces of [[1 << 20], [1], [7, 13, 80, 1], [81]]) {
        const { identity, ciphertext, expected } = inputs(v);
        let plain: Buffer | undefined;
        const got = await codeOf(runThrough(createDecryptStream(identity, expected), ciphertext, pieces).then((p) => { plain = p; }));
        expect(got, `pieces ${pieces.join(',')}`).toBe(v.expect);
        if (v.expect === 'ok') checkPlaintext(v, plain!);
      }
    });
  });
});
