/**
 * A least-recently-used Map bounded by an estimate of the bytes its entries hold, not by their
 * number: per-run caches (public keys, digests, compiled matchers) hold entries from ~300 bytes
 * to ~20 KB, and a count bound sized for the small ones let the matchers alone reach hundreds of
 * megabytes on a run with many people (issue 16: 1.1 GB RSS at 157,000 records). Each entry's
 * size comes from the `sizeOf` given at construction; it is re-estimated whenever the entry is set
 * again (a cache that grows a value in place sets it again after).
 */
export class ByteBoundedMap<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private used = 0;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (key: K, value: V) => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Bytes the entries are estimated to hold. */
  get bytes(): number {
    return this.used;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value, marked most recently used. */
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    // Map keeps insertion order: re-inserting makes it the newest.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: K, value: V): this {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.used -= old.bytes;
      this.entries.delete(key);
    }
    const bytes = this.sizeOf(key, value);
    this.entries.set(key, { value, bytes });
    this.used += bytes;
    // Oldest first; the entry just set stays even if it alone is over the bound.
    for (const [k, e] of this.entries) {
      if (this.used <= this.maxBytes || k === key) break;
      this.entries.delete(k);
      this.used -= e.bytes;
    }
    return this;
  }

  delete(key: K): boolean {
    const e = this.entries.get(key);
    if (e === undefined) return false;
    this.entries.delete(key);
    this.used -= e.bytes;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }
}

/** Rough heap bytes of a JS string (V8 one-byte strings; two-byte ones are rare here). */
export const stringBytes = (s: string): number => 24 + s.length;
/** Rough heap bytes of a small Uint8Array with its own ArrayBuffer. */
export const bytesOf = (b: Uint8Array): number => 160 + b.byteLength;
