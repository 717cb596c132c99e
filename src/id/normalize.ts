/**
 * Canonical forms of identifiers, shared by the blind index, the gate and the known-value
 * matcher. Two spellings of one identifier must give one canonical form, or the blind index
 * would split one person into two subjects.
 */
import { cnIdTo18, isCnIdChecksumValid } from './cn-id.js';

/** Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to their half-width forms. */
export function toHalfWidth(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0);
    else if (c === 0x3000) out += ' ';
    else out += s[i];
  }
  return out;
}

/** Separators people type inside identifiers (spaces, dashes, dots, brackets); global, for `replace`. */
export const SEPARATORS = /[\s\-‐‑‒–—.·()（）]/g;

/**
 * 18-character resident ID with an upper-case check character, or undefined when the input is
 * not ID-shaped. 15-digit legacy numbers are expanded (they were issued in the 1900s).
 * The checksum is not required here: a mistyped ID still identifies its owner to the gate.
 */
export function normalizeCnId(raw: string): string | undefined {
  const s = toHalfWidth(raw).replace(SEPARATORS, '').toUpperCase();
  if (/^\d{17}[\dX]$/.test(s)) return s;
  if (/^\d{15}$/.test(s)) return cnIdTo18(s);
  return undefined;
}

/** True when `raw` normalises to an 18-character ID whose MOD 11-2 check character holds. */
export function isValidCnId(raw: string): boolean {
  const n = normalizeCnId(raw);
  return n !== undefined && isCnIdChecksumValid(n);
}

/**
 * Phone numbers: digits only; a Chinese mobile (`1[3-9]` + 9 digits) loses its +86 / 0086 / 86
 * prefix so every spelling maps to the bare 11 digits. Other numbers keep their digits with a
 * leading country code when one was given with `+` or `00`.
 */
export function normalizePhone(raw: string): string | undefined {
  const half = toHalfWidth(raw).trim();
  const plus = half.startsWith('+');
  let digits = half.replace(/\D/g, '');
  if (digits.length < 5 || digits.length > 20) return undefined;
  if (plus || digits.startsWith('00')) digits = digits.replace(/^00/, '');
  if (/^(?:86)?1[3-9]\d{9}$/.test(digits)) return digits.slice(-11);
  return (plus ? '+' : '') + digits;
}

/** Emails: NFKC (folds full-width letters), trimmed, lower-cased. */
export function normalizeEmail(raw: string): string | undefined {
  const s = raw.normalize('NFKC').trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) ? s : undefined;
}

/** Names: NFKC, runs of white space folded to one space and trimmed, lower-cased (Latin names). Spaces between Han characters are the caller's to drop. */
export function normalizeName(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}
