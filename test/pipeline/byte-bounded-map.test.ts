import { describe, expect, it } from 'vitest';
import { ByteBoundedMap } from '../../src/pipeline/byte-bounded-map.js';
import { cacheBudget, DEFAULT_CACHE_BYTES } from '../../src/pipeline/cache-budget.js';

describe('ByteBoundedMap', () => {
  it('drops the least recently used entries once the estimated bytes exceed the bound', () => {
    const m = new ByteBoundedMap<string, number>(100, (_k, v) => v);
    m.set('a', 40).set('b', 40);
    expect(m.get('a')).toBe(40); // a is now newer than b
    m.set('c', 40); // 120 > 100: b goes, not a
    expect([m.has('a'), m.has('b'), m.has('c')]).toEqual([true, false, true]);
    expect(m.bytes).toBe(80);
  });

  it('re-estimates an entry that is set again, and keeps one entry larger than the bound', () => {
    const m = new ByteBoundedMap<string, number>(100, (_k, v) => v);
    m.set('a', 10).set('b', 10);
    m.set('a', 95); // grown in place: b goes
    expect([m.has('a'), m.has('b'), m.bytes]).toEqual([true, false, 95]);
    m.set('big', 500);
    expect([m.size, m.has('big'), m.bytes]).toEqual([1, true, 500]);
    expect(m.delete('big')).toBe(true);
    expect([m.size, m.bytes]).toEqual([0, 0]);
  });
});

describe('cacheBudget', () => {
  it('splits the budget without exceeding it and refuses less than 1 MiB', () => {
    const b = cacheBudget(DEFAULT_CACHE_BYTES, 2);
    const sealer = b.sealer.known + b.sealer.facts + b.sealer.recipients + b.sealer.sharedKeys * 300;
    expect(b.publicKeys + b.blindDigests + 2 * sealer).toBeLessThanOrEqual(DEFAULT_CACHE_BYTES);
    expect(b.sealer.known).toBeGreaterThan(b.sealer.facts);
    expect(() => cacheBudget(1000)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
