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
 * CN_ID `110105***********X` (region and check character only), mobile `138****8000`, email
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
      const d = p.replace(/^\+/, '');
      const ac = Math.max(areaCodeLength(d), 3);
      return d.slice(0, ac) + stars(Math.max(0, d.length - ac - 4)) + d.slice(-4);
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
  if (compact.length <= 4) return stars(compact.length);
  return compact[0] + stars(compact.length - 2) + compact[compact.length - 1];
}
