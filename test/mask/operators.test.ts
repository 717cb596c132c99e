/** Operators and display masks (detect is not transform). */
import { describe, expect, it } from 'vitest';
import { createScanner } from '../../src/detect/index.js';
import { applyOperators, displayMask, keyedToken } from '../../src/mask/index.js';
import { isSunderError } from '../../src/errors.js';

const scanner = createScanner();
const text = '身份证11010519491231002X，手机138-0013-8000，邮箱john@example.com，IP 192.168.1.23';
const f = scanner.scan(text);

describe('displayMask', () => {
  it.each([
    ['CN_ID', '110105 19491231 002x', '110105***********X'],
    ['PHONE', '+86 138-0013-8000', '138****8000'],
    ['EMAIL', 'xavier@example.com', 'x***@example.com'],
    ['NAME', '王小明', '王**'],
    ['NAME', 'John Smith', 'J***'],
    ['BANK_CARD', '6222 0212 3456 7890 128', '6222***********0128'.slice(0, 4) + '*'.repeat(11) + '0128'],
  ] as const)('%s %s', (kind, value, expected) => {
    expect(displayMask(kind, value)).toBe(expected);
  });
});

describe('applyOperators', () => {
  it('tags by default', () => {
    expect(applyOperators(text, f)).toBe('身份证[CN_ID]，手机[PHONE]，邮箱[EMAIL]，IP [IP]');
  });
  it('masks, redacts and generalises per kind', () => {
    const out = applyOperators(text, f, { byKind: { CN_ID: 'generalise', PHONE: 'mask', EMAIL: 'redact', IP: 'generalise' } });
    expect(out).toBe('身份证[CN_ID:Beijing,1940s]，手机138****8000，邮箱，IP 192.168.1.0/24');
  });
  it('gives keyed tokens: same value in any spelling, same token; scope and key change it', () => {
    const key = 'k'.repeat(32);
    const a = keyedToken('PHONE', '138-0013-8000', key, 'subject-1');
    expect(keyedToken('PHONE', '+86 13800138000', key, 'subject-1')).toBe(a);
    expect(keyedToken('PHONE', '13800138000', key, 'subject-2')).not.toBe(a);
    expect(keyedToken('PHONE', '13800138000', 'x'.repeat(32), 'subject-1')).not.toBe(a);
    expect(a).toMatch(/^[a-z2-7]{16}$/);
    expect(applyOperators(text, f, { default: 'token', tokenKey: key })).not.toContain('8000');
  });
  it('gives one token for a card or account number whatever dashes or spaces group it', () => {
    const key = 'k'.repeat(32);
    const plain = keyedToken('BANK_CARD', '6222021234567890', key);
    // ASCII hyphen, hyphen, non-breaking hyphen, figure dash, en dash, em dash, full-width space.
    for (const sep of ['-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u3000']) {
      expect(keyedToken('BANK_CARD', ['6222', '0212', '3456', '7890'].join(sep), key), JSON.stringify(sep)).toBe(plain);
    }
    expect(keyedToken('BANK_CARD', '6222021234567891', key)).not.toBe(plain);
  });
  it('refuses the token operator without a key, without echoing the text', () => {
    try {
      applyOperators(text, f, { default: 'token' });
      expect.unreachable();
    } catch (err) {
      expect(isSunderError(err, 'KEYS_MISSING')).toBe(true);
      expect(String(err)).not.toContain('138');
    }
  });
});

describe('overlap resolution', () => {
  it('never nests or repeats spans', () => {
    const t = '13800138000@163.com 我叫王小明王小明';
    const found = scanner.scan(t);
    for (let i = 1; i < found.length; i++) expect(found[i]!.start).toBeGreaterThanOrEqual(found[i - 1]!.end);
    expect(applyOperators(t, found)).toBe('[EMAIL] 我叫[NAME]王小明');
  });
});
