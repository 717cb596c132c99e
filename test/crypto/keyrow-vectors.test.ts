/** Key-row MAC vectors (fixtures/vectors/keyrow, docs/FORMAT.md §8): one failure each. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyKeyRow } from '../../src/crypto/key-rows.js';
import { buildKeyRowVectors, KEY_ROW_VECTOR_DIR, type KeyRowVector } from '../../fixtures/vectors/generate.js';

const files = readdirSync(KEY_ROW_VECTOR_DIR).filter((f) => f.endsWith('.json')).sort();
const vectors = files.map((f) => JSON.parse(readFileSync(join(KEY_ROW_VECTOR_DIR, f), 'utf8')) as KeyRowVector);
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

describe('key-row vectors', () => {
  it('are what the seeded generator produces, with a good row and failures', () => {
    const built = buildKeyRowVectors();
    expect(built.map((v) => v.name).sort()).toEqual(vectors.map((v) => v.name));
    for (const v of built) expect(v, v.name).toEqual(vectors.find((w) => w.name === v.name));
    expect(vectors.filter((v) => v.expect === 'ok').length).toBe(1);
    expect(vectors.length).toBeGreaterThanOrEqual(10);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const r = v.row;
    const row = { keyId: r.keyId, publicKey: bytes(r.publicKey), wrappedOfficer: bytes(r.wrappedOfficer), wrappedExporter: bytes(r.wrappedExporter), identityPublicKey: bytes(r.identityPublicKey), identityWrappedOfficer: bytes(r.identityWrappedOfficer) };
    let got = 'ok';
    try {
      verifyKeyRow(bytes(v.rowMacKey), row, v.mac === undefined ? undefined : bytes(v.mac));
    } catch (err) {
      got = (err as { code: string }).code;
    }
    expect(got).toBe(v.expect);
  });
});
