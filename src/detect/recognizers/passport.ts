/**
 * Chinese passports and permits (no check character, so the shape must be exact and the token
 * must stand alone):
 * - passport: `E` + 8 digits, `E` + letter + 7 digits (2012+), `G` + 8 digits (older),
 *   diplomatic/service/public-affairs `DE`/`SE`/`PE` + 7 digits;
 * - Mainland Travel Permit for Hong Kong and Macau residents (回乡证): `H`/`M` + 8 or 10 digits;
 * - Exit-Entry Permit to Hong Kong/Macau (往来港澳通行证): `C` + 8 digits or `C` + letter + 7;
 * - Permit to Taiwan (往来台湾通行证): `L` + 8 digits; Taiwan compatriot permit (台胞证): 8
 *   digits, or 10 digits with a letter, only after a cue word.
 * Matched with char-code checks (it runs on every letter-then-digit word, such as tracking numbers).
 */

import { isAsciiAlnum as isAsciiAlnum_, isAsciiDigit as isAsciiDigit_ } from '../chars.js';

// Module-local copies of imported bindings (a getter call per access under tsx).
const isDigit = isAsciiDigit_;
const isAsciiAlnum = isAsciiAlnum_;

/** Cue words before a bare-digit Taiwan compatriot permit number. */
export const TW_PERMIT_CUES = ['台胞证', '台湾居民来往大陆通行证', 'MTP'] as const;

/** `count` ASCII digits from `k`. */
function digitsAt(text: string, k: number, count: number): boolean {
  for (let q = k; q < k + count; q++) if (!isDigit(text.charCodeAt(q))) return false;
  return true;
}

/** No ASCII letter or digit at `k` (the token ends there). */
function endsAt(text: string, k: number): boolean {
  const c = text.charCodeAt(k);
  return !isAsciiAlnum(c);
}

/** A serial letter: upper-case, never I or O; or a digit. */
function serialChar(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90 && c !== 73 && c !== 79);
}

/**
 * End of a passport or permit number starting at `i` (an upper-case letter), or -1. Same
 * language as `(?:E[A-HJ-NP-Z0-9]\d{7}|G\d{8}|[DSP]E\d{7}|[HM]\d{8}(?:\d{2})?|C[A-HJ-NP-Z0-9]\d{7}|L\d{8})(?![A-Za-z0-9])`.
 */
export function passportAt(text: string, i: number): number {
  const c0 = text.charCodeAt(i);
  let e = -1;
  switch (c0) {
    case 69: // E
    case 67: // C
      if (serialChar(text.charCodeAt(i + 1)) && digitsAt(text, i + 2, 7)) e = i + 9;
      break;
    case 68: // D
    case 83: // S
    case 80: // P
      if (text.charCodeAt(i + 1) === 69 && digitsAt(text, i + 2, 7)) e = i + 9;
      break;
    case 71: // G
    case 76: // L
      if (digitsAt(text, i + 1, 8)) e = i + 9;
      break;
    case 72: // H
    case 77: // M
      if (!digitsAt(text, i + 1, 8)) return -1;
      if (digitsAt(text, i + 9, 2) && endsAt(text, i + 11)) return i + 11;
      e = i + 9;
      break;
    default:
      return -1;
  }
  return e > 0 && endsAt(text, e) ? e : -1;
}
