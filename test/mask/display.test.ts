/** Display masks never show a whole short number, nor more than half of any non-mobile phone. */
import { describe, expect, it } from 'vitest';
import { displayMask } from '../../src/mask/index.js';

describe('displayMask PHONE', () => {
  it.each([
    ['13800138000', '138****8000'],
    ['010-6234-5678', '010******78'],
    ['6234567', '62****7'],
    ['62345678', '623****8'],
    ['95588', '9***8'],
    ['0755-1234567', '0755******7'],
  ])('%s -> %s', (v, expected) => {
    expect(displayMask('PHONE', v)).toBe(expected);
  });

  it('masks at least half of every 5 to 12 digit number', () => {
    for (let n = 5; n <= 12; n++) {
      const d = '2'.repeat(1) + '3456789012'.repeat(2).slice(0, n - 1);
      const m = displayMask('PHONE', d);
      const stars = [...m].filter((c) => c === '*').length;
      expect(stars, `${n} digits: ${m}`).toBeGreaterThanOrEqual(Math.ceil(n / 2));
    }
  });
});
