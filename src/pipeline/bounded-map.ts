/**
 * A Map that forgets its oldest entry beyond `max`: per-run caches (public keys, shared keys,
 * compiled matchers) must not grow with the input, or a 1,000,000-record run would hold them all.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.max) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}
