/** Known values: the subject's own identity values in any spacing, width, case, and pinyin. */
import { describe, expect, it } from 'vitest';
import { createScanner } from '../../src/detect/index.js';
import { applyOperators } from '../../src/mask/index.js';

const scanner = createScanner({ disable: ['NAME'] });
const known = scanner.compileKnown([
  { kind: 'NAME', value: '王小明' },
  { kind: 'NAME', value: 'Mary Li' },
  { kind: 'PHONE', value: '+86 139 1234 5678' },
  { kind: 'EMAIL', value: 'Wang.XM@Example.com' },
  { kind: 'CN_ID', value: '11010519491231002X' },
]);
const mask = (t: string): string => applyOperators(t, scanner.scan(t, { known }));

describe('compileKnown', () => {
  it.each([
    ['王 小 明来了', '[NAME]来了'],
    ['Wang Xiaoming said hi', '[NAME] said hi'],
    ['wangxiaoming said hi', '[NAME] said hi'],
    ['Xiaoming Wang said hi', '[NAME] said hi'],
    ['LI MARY and mary li', '[NAME] and [NAME]'],
    ['ｗａｎｇ．ｘｍ＠ｅｘａｍｐｌｅ．ｃｏｍ', '[EMAIL]'],
    ['电话 139-1234-5678 或 １３９１２３４５６７８', '电话 [PHONE] 或 [PHONE]'],
    ['老证件号110105491231002', '老证件号[CN_ID]'],
  ])('%s', (text, expected) => {
    expect(mask(text)).toBe(expected);
  });

  it('does not match a Latin name inside a longer word', () => {
    expect(scanner.scan('Carolina wanted Marylin', { known })).toEqual([]);
  });

  it('extends a matcher value by value to the same matches as compiling all values at once', () => {
    const values = [
      { kind: 'NAME', value: '王小明' },
      { kind: 'NAME', value: 'Mary Li' },
      { kind: 'PHONE', value: '+86 139 1234 5678' },
      { kind: 'EMAIL', value: 'Wang.XM@Example.com' },
      { kind: 'CN_ID', value: '11010519491231002X' },
    ] as const;
    let grown = scanner.compileKnown([values[0]]);
    for (const v of values.slice(1)) grown = grown.extend([v, values[0]]); // a repeated value adds nothing
    expect(grown.size).toBe(known.size);
    const texts = ['王 小 明来了 Wang Xiaoming', 'LI MARY 电话 139-1234-5678 或 １３９１２３４５６７８', 'ｗａｎｇ．ｘｍ＠ｅｘａｍｐｌｅ．ｃｏｍ 老证件号110105491231002'];
    for (const t of texts) {
      const all = scanner.scan(t, { known });
      expect(all.length).toBeGreaterThan(0);
      expect(scanner.scan(t, { known: grown })).toEqual(all);
    }
    // The matcher extended from stays as it was: it still finds the name only.
    const base = scanner.compileKnown([values[0]]);
    base.extend(values.slice(1));
    expect(scanner.scan(texts[1]!, { known: grown }).map((f) => f.kind)).toContain('NAME'); // LI MARY
    expect(scanner.scan(texts[1]!, { known: base }).map((f) => f.kind)).not.toContain('NAME');
    expect(scanner.scan(texts[0]!, { known: base }).map((f) => f.kind)).toEqual(['NAME', 'NAME']);
  });

  it('is empty for empty values', () => {
    expect(scanner.compileKnown([{ kind: 'NAME', value: '' }]).size).toBe(0);
  });
});
