/**
 * Hong Kong identity card and Taiwan national ID, with their check characters. Matched and
 * validated with char-code checks straight on the text (no regex, no substring).
 */
import { isAsciiAlnum as isAsciiAlnum_, isAsciiDigit as isAsciiDigit_ } from '../chars.js';

// Module-local copies of imported bindings (a getter call per access under tsx).
const isDigit = isAsciiDigit_;
const isAlnum = isAsciiAlnum_;

/** `[0-9Aa]` as a check value (A = 10), or -1. */
function hkCheckValue(c: number): number {
  if (isDigit(c)) return c - 48;
  return c === 65 || c === 97 ? 10 : -1;
}

/**
 * HKID `A123456(7)` / `AB123456(A)`: the letters are `text[i..j)` (1 or 2), then six digits and
 * the check character bare, in `()`/`[]` (either closer), or in full-width `（）`; not followed by
 * a letter or digit. Weights 9..2 (8..2 for one letter, a space counting 36), mod 11.
 * Returns the end, or -1.
 */
export function hkIdAt(text: string, i: number, j: number): number {
  const letters = j - i;
  if (letters < 1 || letters > 2) return -1;
  let sum: number;
  const l0 = (text.charCodeAt(i) & ~32) - 55;
  if (letters === 1) sum = 36 * 9 + l0 * 8;
  else sum = l0 * 9 + ((text.charCodeAt(i + 1) & ~32) - 55) * 8;
  for (let k = 0; k < 6; k++) {
    const c = text.charCodeAt(j + k);
    if (!isDigit(c)) return -1;
    sum += (c - 48) * (7 - k);
  }
  const k = j + 6;
  const o = text.charCodeAt(k);
  let check: number;
  let e: number;
  if (o === 40 || o === 91) {
    check = hkCheckValue(text.charCodeAt(k + 1));
    const cl = text.charCodeAt(k + 2);
    if (check < 0 || (cl !== 41 && cl !== 93)) return -1;
    e = k + 3;
  } else if (o === 0xff08) {
    check = hkCheckValue(text.charCodeAt(k + 1));
    if (check < 0 || text.charCodeAt(k + 2) !== 0xff09) return -1;
    e = k + 3;
  } else {
    check = hkCheckValue(o);
    if (check < 0) return -1;
    e = k + 1;
  }
  if (isAlnum(text.charCodeAt(e))) return -1;
  return (11 - (sum % 11)) % 11 === check ? e : -1;
}

/** Letter codes of the Taiwan ID (not alphabetical: I, O, W, Z were added later), by letter A..Z. */
const TW_CODE = new Int8Array(26);
'ABCDEFGHJKLMNPQRSTUVXYWZIO'.split('').forEach((ch, idx) => (TW_CODE[ch.charCodeAt(0) - 65] = idx + 10));

/**
 * Taiwan ID `A123456789` at `i` (an upper-case letter, then 1/2/8/9, then eight digits, not
 * followed by a letter or digit): letter as two digits, weights 1,9,8..1,1, sum mod 10 = 0.
 * Returns the end, or -1.
 */
export function twIdAt(text: string, i: number): number {
  const l = text.charCodeAt(i);
  if (l < 65 || l > 90) return -1;
  const g = text.charCodeAt(i + 1);
  if (g !== 49 && g !== 50 && g !== 56 && g !== 57) return -1;
  const code = TW_CODE[l - 65]!;
  let sum = Math.floor(code / 10) + (code % 10) * 9;
  for (let k = 1; k < 10; k++) {
    const c = text.charCodeAt(i + k);
    if (!isDigit(c)) return -1;
    sum += (c - 48) * (k === 9 ? 1 : 9 - k);
  }
  if (isAlnum(text.charCodeAt(i + 10))) return -1;
  return sum % 10 === 0 ? i + 10 : -1;
}
