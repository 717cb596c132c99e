/**
 * Public test vectors from validator.js and Presidio (copied as data under
 * fixtures/detect/vectors with their source), run through the whole scanner: a valid value must
 * be reported whole with its kind, an invalid one must yield no finding of that kind.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createScanner } from '../../src/detect/index.js';

const root = new URL('../../fixtures/detect/vectors/', import.meta.url);
const validator = JSON.parse(readFileSync(new URL('validatorjs.json', root), 'utf8')) as {
  kinds: Record<string, { valid: string[]; invalid: string[]; probable?: string[] }>;
};
const presidio = JSON.parse(readFileSync(new URL('presidio.json', root), 'utf8')) as {
  cases: { kind: string; text: string; spans: [number, number][] }[];
};
const scanner = createScanner();
const doc = { documentDate: '2025-06-01' };

describe('validator.js vectors', () => {
  for (const [kind, v] of Object.entries(validator.kinds)) {
    it.each(v.valid)(`${kind} valid: %s`, (value) => {
      const f = scanner.scan(value, doc);
      expect(f).toEqual([{ kind, start: 0, end: value.length, score: expect.any(Number) }]);
    });
    it.each(v.invalid)(`${kind} invalid: %s`, (value) => {
      expect(scanner.scan(value, doc).filter((f) => f.kind === kind)).toEqual([]);
    });
    for (const value of v.probable ?? []) {
      it(`${kind} probable (check character wrong): ${value}`, () => {
        expect(scanner.scan(value, doc).map((f) => f.kind)).toEqual(['CN_ID_PROBABLE']);
      });
    }
  }
});

describe('Presidio recognizer vectors', () => {
  it.each(presidio.cases.map((c) => [c.text, c] as const))('%s', (_t, c) => {
    const spans = scanner
      .scan(c.text, doc)
      .filter((f) => f.kind === c.kind)
      .map((f) => [f.start, f.end]);
    expect(spans).toEqual(c.spans);
  });
});
