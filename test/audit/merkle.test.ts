/**
 * The RFC 6962 tree the way transparency logs test theirs: the certificate-transparency
 * reference leaves and their published tree heads for sizes 0..8 and published proofs, then
 * for every proof every mutation a verifier must refuse (index off by one, size doubled or
 * halved, a wrong leaf, an empty or random root, garbage before or after, one bit flipped in
 * each element, a component removed or inserted), and a fast-check property over random trees.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof, consistencyRanges, EMPTY_ROOT, hashRanges, inclusionProof, leafHash, nodeHash, rootOf, splitPoint, TreeBuilder,
  verifyConsistency, verifyInclusion,
} from '../../src/audit/merkle.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

// certificate-transparency's reference leaves (merkle_tree_test.cc / transparency-dev testonly).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => leafHash(unhex(h)));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(unhex);

// Published reference proofs (the same source): inclusion (index, size) and consistency (first, second).
const INCLUSION: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  { index: 0, size: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { index: 5, size: 8, proof: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { index: 1, size: 5, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
];
const CONSISTENCY: { first: number; second: number; proof: string[] }[] = [
  { first: 1, second: 1, proof: [] },
  { first: 1, second: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { first: 6, second: 8, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { first: 2, second: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { first: 2, second: 8, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
];

const flipBit = (b: Buffer, bit: number) => {
  const c = Buffer.from(b);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
};

/** Every mutation of a proof's components: each bit of each element, each removed, a random one inserted at each place, garbage before and after. */
function proofMutations(proof: readonly Buffer[]): Record<string, Buffer[]> {
  const out: Record<string, Buffer[]> = {};
  proof.forEach((_, i) => {
    for (let bit = 0; bit < 256; bit++) out[`element ${i} bit ${bit}`] = proof.map((p, j) => (j === i ? flipBit(p, bit) : p));
    out[`element ${i} removed`] = proof.filter((_, j) => j !== i);
  });
  for (let i = 0; i <= proof.length; i++) out[`random inserted at ${i}`] = [...proof.slice(0, i), randomBytes(32), ...proof.slice(i)];
  out['garbage before'] = [randomBytes(32), ...proof];
  out['garbage after'] = [...proof, randomBytes(32)];
  out['zero hash after'] = [...proof, Buffer.alloc(32)];
  out['short element'] = proof.length === 0 ? [Buffer.alloc(31)] : [proof[0]!.subarray(0, 31), ...proof.slice(1)];
  return out;
}

/**
 * Every way an inclusion claim can be wrong; each must fail. The size is moved by doubling and
 * halving, not by one: a root does not hash its tree's size (RFC 9162 verification accepts a
 * proof for size n at n + 1 when both trees have the same shape above the leaf), which is why a
 * receipt takes its size from the signed checkpoint, where size and root are signed together.
 */
function inclusionLies(leaf: Buffer, index: number, size: number, proof: Buffer[], root: Buffer): [string, () => boolean][] {
  const v = (l: Buffer, i: number, n: number, p: Buffer[], r: Buffer) => () => verifyInclusion(l, i, n, p, r);
  const lies: [string, () => boolean][] = [
    ['index - 1', v(leaf, index - 1, size, proof, root)],
    ['index + 1', v(leaf, index + 1, size, proof, root)],
    ['size doubled', v(leaf, index, size * 2, proof, root)],
    ['size halved', v(leaf, index, Math.floor(size / 2), proof, root)],
    ['index ^ 2', v(leaf, index ^ 2, size, proof, root)],
    ['wrong leaf', v(leafHash(randomBytes(5)), index, size, proof, root)],
    ['leaf bytes, not leaf hash', v(nodeHash(leaf, leaf), index, size, proof, root)],
    ['empty root', v(leaf, index, size, proof, EMPTY_ROOT)],
    ['random root', v(leaf, index, size, proof, randomBytes(32))],
    ['no root', v(leaf, index, size, proof, Buffer.alloc(0))],
  ];
  for (let bit = 0; bit < 256; bit += 37) lies.push([`root bit ${bit}`, v(leaf, index, size, proof, flipBit(root, bit))]);
  for (const [name, p] of Object.entries(proofMutations(proof))) lies.push([name, v(leaf, index, size, p, root)]);
  return lies;
}

function consistencyLies(first: number, second: number, proof: Buffer[], r1: Buffer, r2: Buffer): [string, () => boolean][] {
  const v = (m: number, n: number, p: Buffer[], a: Buffer, b: Buffer) => () => verifyConsistency(m, n, p, a, b);
  const lies: [string, () => boolean][] = [
    ['first - 1', v(first - 1, second, proof, r1, r2)],
    ['first + 1', v(first + 1, second, proof, r1, r2)],
    ['first ^ 2', v(first ^ 2, second, proof, r1, r2)],
    ['second doubled', v(first, second * 2, proof, r1, r2)],
    ['second halved', v(first, Math.floor(second / 2), proof, r1, r2)],
    ['roots swapped', v(first, second, proof, r2, r1)],
    ['empty first root', v(first, second, proof, EMPTY_ROOT, r2)],
    ['empty second root', v(first, second, proof, r1, EMPTY_ROOT)],
    ['random first root', v(first, second, proof, randomBytes(32), r2)],
    ['random second root', v(first, second, proof, r1, randomBytes(32))],
  ].filter(([name]) => !(first === second && name === 'roots swapped')) as [string, () => boolean][];
  for (let bit = 0; bit < 256; bit += 37) {
    lies.push([`first root bit ${bit}`, v(first, second, proof, flipBit(r1, bit), r2)]);
    lies.push([`second root bit ${bit}`, v(first, second, proof, r1, flipBit(r2, bit))]);
  }
  for (const [name, p] of Object.entries(proofMutations(proof))) lies.push([name, v(first, second, p, r1, r2)]);
  return lies;
}

describe('RFC 6962 Merkle tree', () => {
  it('hashes leaves and nodes with the 0x00 / 0x01 prefixes', () => {
    expect(hex(leafHash(Buffer.alloc(0)))).toBe(createHash('sha256').update(Buffer.from([0])).digest('hex'));
    const [a, b] = [randomBytes(32), randomBytes(32)];
    expect(hex(nodeHash(a, b))).toBe(createHash('sha256').update(Buffer.concat([Buffer.from([1]), a, b])).digest('hex'));
    expect([2, 3, 4, 5, 8, 9, 1000].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 8, 512]);
  });

  it('gives the published tree heads for the reference leaves, sizes 0..8', () => {
    for (let n = 0; n <= 8; n++) expect(hex(rootOf(LEAVES.slice(0, n))), `size ${n}`).toBe(hex(ROOTS[n]!));
    const b = new TreeBuilder();
    LEAVES.forEach((l, i) => {
      b.push(l);
      expect(hex(b.root())).toBe(hex(ROOTS[i + 1]!));
    });
  });

  it('gives the published inclusion and consistency proofs, and they verify', async () => {
    for (const { index, size, proof } of INCLUSION) {
      expect((await inclusionProof(LEAVES, index, size)).map(hex), `${index}/${size}`).toEqual(proof);
      expect(verifyInclusion(LEAVES[index]!, index, size, proof.map(unhex), ROOTS[size]!)).toBe(true);
    }
    for (const { first, second, proof } of CONSISTENCY) {
      expect((await consistencyProof(LEAVES, first, second)).map(hex), `${first}->${second}`).toEqual(proof);
      expect(verifyConsistency(first, second, proof.map(unhex), ROOTS[first]!, ROOTS[second]!)).toBe(true);
    }
  });

  it('refuses every mutation of every reference inclusion proof', () => {
    for (const { index, size, proof } of INCLUSION) {
      for (const [name, check] of inclusionLies(LEAVES[index]!, index, size, proof.map(unhex), ROOTS[size]!)) {
        expect(check(), `${index}/${size}: ${name}`).toBe(false);
      }
    }
  });

  it('refuses every mutation of every reference consistency proof', () => {
    for (const { first, second, proof } of CONSISTENCY) {
      for (const [name, check] of consistencyLies(first, second, proof.map(unhex), ROOTS[first]!, ROOTS[second]!)) {
        expect(check(), `${first}->${second}: ${name}`).toBe(false);
      }
    }
  });

  it('checks every leaf and every pair of sizes of a 40-leaf tree exhaustively', async () => {
    const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
    const roots = Array.from({ length: 41 }, (_, n) => rootOf(leaves.slice(0, n)));
    for (let n = 1; n <= 40; n++) {
      for (let i = 0; i < n; i++) expect(verifyInclusion(leaves[i]!, i, n, await inclusionProof(leaves, i, n), roots[n]!)).toBe(true);
      for (let m = 0; m <= n; m++) expect(verifyConsistency(m, n, await consistencyProof(leaves, m, n), roots[m]!, roots[n]!), `${m}->${n}`).toBe(true);
    }
    // The trivial cases: from the empty tree only with an empty proof and the empty root.
    expect(verifyConsistency(0, 5, [], EMPTY_ROOT, roots[5]!)).toBe(true);
    expect(verifyConsistency(0, 5, [], roots[1]!, roots[5]!)).toBe(false);
    expect(verifyConsistency(0, 5, [roots[5]!], EMPTY_ROOT, roots[5]!)).toBe(false);
    expect(verifyConsistency(5, 5, [], roots[5]!, roots[4]!)).toBe(false);
    expect(verifyConsistency(6, 5, [], roots[6]!, roots[5]!)).toBe(false);
    expect(consistencyRanges(0, 7)).toEqual([]);
  });

  it('plans proofs as disjoint ranges and fills them in one pass, refusing leaves that end too soon', async () => {
    const leaves = Array.from({ length: 11 }, (_, i) => leafHash(Buffer.from([i])));
    await expect(hashRanges(leaves.slice(0, 5), [{ start: 4, end: 8 }])).rejects.toThrow(RangeError);
    await expect(inclusionProof(leaves, 11, 11)).rejects.toThrow(RangeError);
    await expect(inclusionProof(leaves, -1, 11)).rejects.toThrow(RangeError);
    await expect(consistencyProof(leaves, 8, 5)).rejects.toThrow(RangeError);
    // A generator is read once, lazily: the pass stops after the last range it needs.
    let read = 0;
    function* gen() {
      for (const l of leaves) {
        read++;
        yield l;
      }
    }
    const [h] = await hashRanges(gen(), [{ start: 2, end: 4 }]);
    expect(hex(h!)).toBe(hex(nodeHash(leaves[2]!, leaves[3]!)));
    expect(read).toBe(4);
  });

  it('property: in random trees every proof verifies and every single mutation fails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), fc.nat(), async (size, a, b, pick) => {
        const leaves = Array.from({ length: size }, (_, i) => leafHash(Buffer.from(`${size}:${i}`)));
        const index = a % size;
        const root = rootOf(leaves);
        const proof = await inclusionProof(leaves, index);
        expect(verifyInclusion(leaves[index]!, index, size, proof, root)).toBe(true);
        const lies = inclusionLies(leaves[index]!, index, size, proof, root);
        const [name, check] = lies[pick % lies.length]!;
        expect(check(), `inclusion ${index}/${size}: ${name}`).toBe(false);

        const first = 1 + (b % size);
        const r1 = rootOf(leaves.slice(0, first));
        const cproof = await consistencyProof(leaves, first);
        expect(verifyConsistency(first, size, cproof, r1, root)).toBe(true);
        const clies = consistencyLies(first, size, cproof, r1, root);
        const [cname, ccheck] = clies[pick % clies.length]!;
        expect(ccheck(), `consistency ${first}->${size}: ${cname}`).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
