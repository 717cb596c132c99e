/**
 * The RFC 6962 / RFC 9162 Merkle tree over the audit log's entries, as certificate transparency
 * logs hash theirs, so that one entry can be proven against a signed checkpoint without handing
 * over the rest of the log, and a later log proven to extend an earlier one.
 *
 *     leaf = SHA-256(0x00 || entry bytes)      node = SHA-256(0x01 || left || right)
 *
 * A tree of n > 1 leaves splits at k, the largest power of two below n: MTH(D[0:k]) on the left,
 * MTH(D[k:n]) on the right. The empty tree's hash is SHA-256 of nothing.
 *
 * Bounded memory: nothing here holds the leaves. `TreeBuilder` keeps one hash per set bit of
 * the leaf count (a compact range, at most 64), and a proof is planned as the list of leaf
 * ranges whose subtree hashes it needs (`inclusionRanges`, `consistencyRanges`, disjoint), then
 * filled in one pass over the leaves (`hashRanges`), one small builder at a time.
 *
 * Sizes are JavaScript numbers (safe integers); the bit arithmetic of the RFC's verification
 * algorithms is done with division, because `>>` and `&` truncate to 32 bits.
 */
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

export function leafHash(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([0x00])).update(bytes).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([0x01])).update(left).update(right).digest();
}

export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** The largest power of two strictly below `n` (n > 1): the RFC's split point. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Builds a root from leaf hashes pushed in order, holding O(log n) hashes. */
export class TreeBuilder {
  /** Perfect subtrees, largest (leftmost) first; their sizes are the set bits of `size`. */
  private readonly stack: { hash: Buffer; size: number }[] = [];
  size = 0;

  push(leaf: Buffer): void {
    let node = { hash: leaf, size: 1 };
    // Two perfect subtrees of one size are siblings: merge them, as carrying in binary addition.
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === node.size) {
      const left = this.stack.pop()!;
      node = { hash: nodeHash(left.hash, node.hash), size: left.size * 2 };
    }
    this.stack.push(node);
    this.size++;
  }

  /** MTH of the leaves pushed so far: the compact range folded from the right. */
  root(): Buffer {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let hash = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = nodeHash(this.stack[i]!.hash, hash);
    return hash;
  }
}

/** Leaves [start, end): a subtree whose hash a proof carries. */
export interface LeafRange {
  start: number;
  end: number;
}

const isSize = (n: number) => Number.isSafeInteger(n) && n >= 0;

/**
 * The subtrees of PATH(index, D[0:size]) (RFC 6962 §2.1.1), in proof order: the sibling of the
 * leaf first, the root's other child last.
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!isSize(size) || !isSize(index) || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const out: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  // Walk down from the root and record each sibling; reversed at the end, so bottom-up.
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      out.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      out.push({ start: lo, end: lo + k });
      lo += k;
    }
  }
  return out.reverse();
}

/**
 * The subtrees of PROOF(first, D[0:second]) (RFC 6962 §2.1.2, SUBPROOF with b = true), in
 * proof order. Empty when first is 0 or equals second.
 */
export function consistencyRanges(first: number, second: number): LeafRange[] {
  if (!isSize(first) || !isSize(second) || first > second) throw new RangeError(`no consistency proof from ${first} to ${second}`);
  if (first === 0 || first === second) return [];
  const out: LeafRange[] = [];
  let lo = 0;
  let hi = second;
  let m = first;
  let whole = true; // SUBPROOF's b: whether D[lo:lo+m] is the whole old tree
  for (;;) {
    const n = hi - lo;
    if (m === n) {
      if (!whole) out.push({ start: lo, end: hi });
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      out.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      out.push({ start: lo, end: lo + k });
      lo += k;
      m -= k;
      whole = false;
    }
  }
  return out.reverse();
}

/**
 * Hashes of disjoint leaf ranges, filled as leaf hashes are pushed in order (0, 1, 2, ...), with
 * one small builder alive at a time: how a proof is made from a log read once, front to back.
 */
export class RangeHasher {
  private readonly order: (LeafRange & { i: number })[];
  private readonly out: Buffer[];
  private at = 0;
  private index = 0;
  private builder: TreeBuilder | undefined;

  constructor(ranges: readonly LeafRange[]) {
    this.order = ranges.map((r, i) => ({ ...r, i })).sort((a, b) => a.start - b.start);
    this.out = new Array<Buffer>(ranges.length);
  }

  /** True once every range has its hash: later leaves are not needed. */
  get done(): boolean {
    return this.at === this.order.length;
  }

  push(leaf: Buffer): void {
    const r = this.order[this.at];
    if (r !== undefined && this.index >= r.start) {
      this.builder ??= new TreeBuilder();
      this.builder.push(leaf);
      if (this.index === r.end - 1) {
        this.out[r.i] = this.builder.root();
        this.builder = undefined;
        this.at++;
      }
    }
    this.index++;
  }

  /** The hashes, in the order the ranges were given; refused while a range is unfinished. */
  hashes(): Buffer[] {
    if (!this.done) throw new RangeError(`the leaves ended at ${this.index}, before leaf ${this.order[this.at]!.end - 1} that a proof needs`);
    return this.out;
  }
}

/** The hash of every range, in the order given, from one pass over the leaf hashes; stops after the last range ends. */
export async function hashRanges(leaves: AsyncIterable<Buffer> | Iterable<Buffer>, ranges: readonly LeafRange[]): Promise<Buffer[]> {
  const hasher = new RangeHasher(ranges);
  if (!hasher.done) {
    for await (const leaf of leaves) {
      hasher.push(leaf);
      if (hasher.done) break;
    }
  }
  return hasher.hashes();
}

const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_SIZE;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const odd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/** RFC 9162 §2.1.3.2: does `proof` put `leaf` at `index` of the tree of `size` with `root`? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isSize(index) || !isSize(size) || index >= size) return false;
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && same(r, root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show the tree of `second` leaves with `secondRoot` extends
 * the tree of `first` leaves with `firstRoot`? The two cases the RFC leaves out are the usual
 * ones: equal sizes need an empty proof and equal roots; from the empty tree, an empty proof
 * and the empty root.
 */
export function verifyConsistency(first: number, second: number, proof: readonly Uint8Array[], firstRoot: Uint8Array, secondRoot: Uint8Array): boolean {
  if (!isSize(first) || !isSize(second) || first > second) return false;
  if (!isHash(firstRoot) || !isHash(secondRoot) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (first === second) return proof.length === 0 && same(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0 && same(firstRoot, EMPTY_ROOT);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && same(fr, firstRoot) && same(sr, secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** In-memory helpers for callers that already hold the leaf hashes (tests, small trees). */
export function rootOf(leaves: readonly Buffer[]): Buffer {
  const b = new TreeBuilder();
  for (const l of leaves) b.push(l);
  return b.root();
}

export async function inclusionProof(leaves: readonly Buffer[], index: number, size = leaves.length): Promise<Buffer[]> {
  if (size > leaves.length) throw new RangeError(`a tree of ${size} from ${leaves.length} leaves`);
  return hashRanges(leaves.slice(0, size), inclusionRanges(index, size));
}

export async function consistencyProof(leaves: readonly Buffer[], first: number, second = leaves.length): Promise<Buffer[]> {
  if (second > leaves.length) throw new RangeError(`a tree of ${second} from ${leaves.length} leaves`);
  return hashRanges(leaves.slice(0, second), consistencyRanges(first, second));
}
