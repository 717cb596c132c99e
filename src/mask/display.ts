/**
 * Display forms: what an operator (a person) may see of a value. They keep only what is needed
 * to recognise a record on the phone, never enough to rebuild the value.
 */
import type { EntityKind } from '../detect/types.js';
import { SEPARATORS, normalizeCnId, normalizeEmail, normalizePhone, toHalfWidth } from '../id/normalize.js';
import { areaCodeLength } from '../detect/recognizers/phone.js';

function stars(n: number): string {
  return n > 0 ? '*'.repeat(n) : '';
}

function hasHan(s: string): boolean {
  return /\p{Script=Han}/u.test(s);
}

/**
 * Digits with the head (an area code) and the tail kept, but never more than half of them: a
 * short number (a 7-digit local line, a 5-digit service number) must not come out whole.
 */
function maskDigits(d: string, head: number, tail: number): string {
  const shown = Math.floor(d.length / 2);
  // The head (area code) first, but leave room for at least one tail digit.
  const h = Math.min(head, shown > 1 ? shown - 1 : shown);
  const t = Math.min(tail, shown - h);
  return d.slice(0, h) + stars(d.length - h - t) + (t > 0 ? d.slice(-t) : '');
}

/**
 * CN_ID `110105***********X` (region and check character only), mobile `138****8000`, other
 * phones at most half shown (`010******78`, `62****7`: a short number never whole), email
 * `x***@example.com`, Chinese name `王**`, Latin name `J***`, bank card `6222********1234`;
 * anything else keeps its first and last character when longer than four.
 */
export function displayMask(kind: EntityKind, value: string): string {
  switch (kind) {
    case 'CN_ID':
    case 'CN_ID_PROBABLE': {
      const id = normalizeCnId(value);
      if (id !== undefined) return id.slice(0, 6) + stars(11) + id[17];
      break;
    }
    case 'PHONE': {
      const p = normalizePhone(value);
      if (p === undefined) break;
      if (/^1[3-9]\d{9}$/.test(p)) return p.slice(0, 3) + '****' + p.slice(7);
      return maskDigits(p.replace(/^\+/, ''), Math.max(areaCodeLength(p.replace(/^\+/, '')), 3), 4);
    }
    case 'EMAIL': {
      const e = normalizeEmail(value) ?? value.normalize('NFKC').toLowerCase();
      const at = e.lastIndexOf('@');
      if (at > 0) return Array.from(e.slice(0, at))[0] + '***' + e.slice(at);
      break;
    }
    case 'NAME': {
      const v = value.normalize('NFKC').trim();
      if (hasHan(v)) {
        const chars = Array.from(v.replace(/\s+/g, ''));
        return chars[0] + stars(chars.length - 1);
      }
      return (Array.from(v)[0] ?? '') + '***';
    }
    case 'BANK_CARD': {
      const d = toHalfWidth(value).replace(/\D/g, '');
      if (d.length >= 12) return d.slice(0, 4) + stars(d.length - 8) + d.slice(-4);
      break;
    }
    default:
      break;
  }
  const compact = Array.from(toHalfWidth(value).replace(SEPARATORS, ''));
  // A short number kept as first and last digit would show 2 of 5: still at most half shown.
  if (compact.length <= 4) return stars(compact.length);
  return compact[0] + stars(compact.length - 2) + compact[compact.length - 1];
}
