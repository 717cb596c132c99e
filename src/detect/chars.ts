/**
 * Character classes for the one-pass scanner. One 64 KiB table lookup per character decides
 * whether a position can start a candidate at all; everything else is skipped, so Chinese
 * prose (the bulk of the input) costs one load and one compare per character.
 */

export const C_NONE = 0;
export const C_DIGIT = 1; // ASCII or full-width digit
export const C_UPPER = 2;
export const C_LOWER = 3;
export const C_AT = 4;
export const C_PLUS = 5;
export const C_OPEN = 6; // '(' or full-width '（' (a landline area code in parentheses)
export const C_CUE = 7; // first character of a CJK cue word or a plate province
export const C_COLON = 8; // '::' IPv6

export const CLASS = new Uint8Array(65536);
for (let c = 48; c <= 57; c++) CLASS[c] = C_DIGIT;
for (let c = 0xff10; c <= 0xff19; c++) CLASS[c] = C_DIGIT;
for (let c = 65; c <= 90; c++) CLASS[c] = C_UPPER;
for (let c = 97; c <= 122; c++) CLASS[c] = C_LOWER;
CLASS[64] = C_AT;
CLASS[0xff20] = C_AT; // full-width '＠'
CLASS[43] = C_PLUS;
CLASS[0xff0b] = C_PLUS;
CLASS[40] = C_OPEN;
CLASS[0xff08] = C_OPEN;
CLASS[58] = C_COLON;

/** Registers the first character of a cue (called by the cue tables at module load). */
export function markCue(ch: string): void {
  CLASS[ch.charCodeAt(0)] = C_CUE;
}

/** Digit value of an ASCII or full-width digit, or -1. */
export function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 0xff10 && c <= 0xff19) return c - 0xff10;
  return -1;
}

/** ASCII digit only (full-width digits are not: see `digitValue`). */
export function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** CJK unified ideographs (basic block and extension A). */
export function isHan(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);
}

/** Full-width ASCII folded to half width; other characters unchanged. */
export function foldWidth(c: number): number {
  if (c >= 0xff01 && c <= 0xff5e) return c - 0xfee0;
  if (c === 0x3000) return 32;
  return c;
}
