/**
 * Email addresses, found from their '@'. The local part runs back over ASCII atext and
 * non-CJK letters (internationalised local parts such as `josé` or `медведь`), but stops at
 * CJK characters, so `邮箱john@example.com，好` yields exactly `john@example.com`. When nothing
 * but CJK precedes the '@', the CJK run is taken (`用户@例子.广告`): over-masking a cue word is
 * better than leaking a Chinese local part. Domain labels are one script each, so `.com好的`
 * ends at `com`.
 */
import { isAsciiAlnum as isAsciiAlnum_, isHan as isHan_ } from '../chars.js';

// Module-local copies of imported bindings: under tsx an imported binding is a getter call on
// every access, which the hot loop cannot afford (measured: a sixth of scan time).
const isAsciiAlnum = isAsciiAlnum_;
const isHan = isHan_;

const ATEXT = new Uint8Array(128);
for (const ch of "!#$%&'*+-/=?^_`{|}~.") ATEXT[ch.charCodeAt(0)] = 1;
for (let c = 0; c < 128; c++) if (isAsciiAlnum(c)) ATEXT[c] = 1;

const LETTER = /\p{L}|\p{M}/u;
function isIntlLetter(c: number): boolean {
  if (c < 0x80 || isHan(c)) return false;
  if (c >= 0x3000 && c <= 0x30ff) return false; // CJK punctuation, kana
  if (c >= 0xff00 && c <= 0xffef) return false; // full-width forms
  return LETTER.test(String.fromCharCode(c));
}

/** Start of the local part ending before `at`, or -1. */
function localStart(text: string, at: number): number {
  let j = at - 1;
  while (j >= 0) {
    const c = text.charCodeAt(j);
    if (c < 128 ? ATEXT[c] === 1 : isIntlLetter(c)) j--;
    else break;
  }
  let s = j + 1;
  while (s < at && text.charCodeAt(s) === 46) s++; // a local part does not start with '.'
  if (s < at) return s;
  // Only CJK before '@': take up to 16 Han characters.
  let k = at - 1;
  while (k >= 0 && at - k <= 16 && isHan(text.charCodeAt(k))) k--;
  return k + 1 < at ? k + 1 : -1;
}

function labelType(c: number): number {
  if (isAsciiAlnum(c)) return 1;
  if (c >= 0x80 && (isHan(c) || isIntlLetter(c))) return 2;
  return 0;
}

/** End of the domain starting at `from`, or -1 when it is not a domain with a TLD. */
function domainEnd(text: string, from: number): number {
  let i = from;
  let labels = 0;
  let lastLabelStart = from;
  let lastAlpha = true;
  const n = text.length;
  for (;;) {
    const c0 = i < n ? text.charCodeAt(i) : -1;
    const t = labelType(c0);
    if (t === 0) break;
    const ls = i;
    let alpha = true;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (t === 1 ? isAsciiAlnum(c) || c === 45 : labelType(c) === 2 || c === 45) {
        if (c >= 48 && c <= 57) alpha = false;
        i++;
      } else break;
    }
    labels++;
    lastLabelStart = ls;
    lastAlpha = alpha || t === 2 || text.startsWith('xn--', ls);
    if (i + 1 < n && text.charCodeAt(i) === 46 && labelType(text.charCodeAt(i + 1)) !== 0) i++;
    else break;
  }
  if (labels < 2 || i - lastLabelStart < 2 || !lastAlpha) return -1;
  while (text.charCodeAt(i - 1) === 45) i--;
  return i;
}

/** The email span around the '@' at `at`, or undefined. */
export function emailAt(text: string, at: number): [number, number] | undefined {
  const s = localStart(text, at);
  if (s < 0) return undefined;
  const e = domainEnd(text, at + 1);
  if (e < 0) return undefined;
  return [s, e];
}
