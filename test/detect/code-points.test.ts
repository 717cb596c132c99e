/** withCodePoints: finding offsets in code points, where a character outside the BMP counts once. */
import { describe, expect, it } from 'vitest';
import { createScanner, withCodePoints } from '../../src/index.js';

describe('withCodePoints', () => {
  const scanner = createScanner();

  it('counts an astral character once before a phone number', () => {
    // '😀' and '𠀀' are two UTF-16 units each, one code point each.
    const text = '😀𠀀 电话13800138000';
    const found = scanner.scan(text);
    const phone = found.find((f) => f.kind === 'PHONE');
    expect(phone).toBeDefined();
    expect(phone!.start).toBe(7); // units: 2 + 2 + 1 + 2
    expect(phone!.end).toBe(18);

    const cp = withCodePoints(text, found).find((f) => f.kind === 'PHONE')!;
    expect(cp.cpStart).toBe(5); // code points: 1 + 1 + 1 + 2
    expect(cp.cpEnd).toBe(16);
    expect(cp.start).toBe(7); // UTF-16 offsets are kept
    expect(cp.end).toBe(18);

    const chars = Array.from(text);
    expect(chars.slice(cp.cpStart, cp.cpEnd).join('')).toBe('13800138000');
    expect(chars.slice(cp.cpStart, cp.cpEnd).join('')).toBe(text.slice(cp.start, cp.end));
  });

  it('maps several findings in one pass, with astral characters between them', () => {
    const text = '𠀀a@example.com 😀😀 13800138000';
    const found = scanner.scan(text);
    expect(found.map((f) => f.kind)).toEqual(['EMAIL', 'PHONE']);
    const cps = withCodePoints(text, found);
    expect(cps.map((f) => [f.cpStart, f.cpEnd])).toEqual([
      [1, 14],
      [18, 29],
    ]);
    const chars = Array.from(text);
    for (const f of cps) expect(chars.slice(f.cpStart, f.cpEnd).join('')).toBe(text.slice(f.start, f.end));
  });

  it('equals UTF-16 offsets when the text has no astral characters', () => {
    const text = '电话 13800138000';
    const found = scanner.scan(text);
    for (const f of withCodePoints(text, found)) {
      expect(f.cpStart).toBe(f.start);
      expect(f.cpEnd).toBe(f.end);
    }
  });
});
