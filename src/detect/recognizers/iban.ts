/** IBAN (ISO 13616): country letters, two check digits, BBAN; mod 97 = 1. */

/**
 * IBAN lengths by country (SWIFT IBAN registry). Only these countries count: with 97 possible
 * remainders, trying every length for any two letters would pass one tracking number in ~5.
 */
const LENGTHS: Readonly<Record<string, number>> = {
  AL: 28, AD: 24, AT: 20, AZ: 28, BH: 22, BY: 28, BE: 16, BA: 20, BR: 29, BG: 22, BI: 27, CR: 22,
  HR: 21, CY: 28, CZ: 24, DK: 18, DJ: 27, DO: 28, TL: 23, EG: 29, SV: 28, EE: 20, FK: 18, FO: 18,
  FI: 18, FR: 27, GE: 22, DE: 22, GI: 23, GR: 27, GL: 18, GT: 28, HN: 28, HU: 28, IS: 26, IQ: 23,
  IE: 22, IL: 23, IR: 26, IT: 27, JO: 30, KZ: 20, XK: 20, KW: 30, LV: 21, LB: 28, LY: 25, LI: 21, LT: 20,
  LU: 20, MK: 19, MT: 31, MR: 27, MU: 30, MD: 24, MC: 27, MN: 20, ME: 22, NL: 18, NI: 28, NO: 15,
  OM: 23, PK: 24, PS: 29, PL: 28, PT: 25, QA: 29, RO: 24, RU: 33, LC: 32, SM: 27, ST: 25, SA: 24,
  RS: 22, SC: 31, SK: 24, SI: 19, SO: 23, ES: 24, SD: 18, SE: 24, CH: 21, TN: 24, TR: 26, UA: 29,
  AE: 23, GB: 22, VA: 22, VG: 24, YE: 30,
};

/** 1 at (c0 - 65) * 26 + (c1 - 65) for each IBAN country. */
const COUNTRY = new Uint8Array(26 * 26);
for (const cc of Object.keys(LENGTHS)) COUNTRY[(cc.charCodeAt(0) - 65) * 26 + (cc.charCodeAt(1) - 65)] = 1;

/** Whether the char codes `c0`, `c1` are an IBAN country code (upper-case). */
export function isIbanCountryCode(c0: number, c1: number): boolean {
  return c0 >= 65 && c0 <= 90 && c1 >= 65 && c1 <= 90 && COUNTRY[(c0 - 65) * 26 + (c1 - 65)] === 1;
}

/** IBAN length by country at (c0 - 65) * 26 + (c1 - 65), 0 for none. */
const LEN = new Uint8Array(26 * 26);
for (const [cc, len] of Object.entries(LENGTHS)) LEN[(cc.charCodeAt(0) - 65) * 26 + (cc.charCodeAt(1) - 65)] = len;

function isUpperAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}

/** Mod 97 remainder after appending character `c` (a digit, or a letter as 10..35). */
function step97(rem: number, c: number): number {
  return c <= 57 ? (rem * 10 + (c - 48)) % 97 : (rem * 100 + (c - 55)) % 97;
}

/**
 * An IBAN at `i`, where `text[i..i+4)` is a country code and two check digits: the BBAN is read
 * straight from the text as the pattern `(?: ?[A-Z0-9]{1,4}){1,9}` would take it (groups of up
 * to four, a single space before a group, at most nine groups) and checked on the fly, with no
 * substring. Returns the end of the country's IBAN length in compact characters, or -1.
 */
export function ibanAt(text: string, i: number): number {
  const c0 = text.charCodeAt(i);
  const c1 = text.charCodeAt(i + 1);
  if (!(c0 >= 65 && c0 <= 90 && c1 >= 65 && c1 <= 90)) return -1;
  const known = LEN[(c0 - 65) * 26 + (c1 - 65)]!;
  if (known === 0) return -1;
  let k = i + 4;
  let groups = 0;
  let inGroup = 0;
  let rem = 0;
  for (let got = 4; got < known; got++) {
    let c = text.charCodeAt(k);
    if (isUpperAlnum(c)) {
      if (inGroup === 0 || inGroup === 4) {
        if (groups === 9) return -1;
        groups++;
        inGroup = 1;
      } else inGroup++;
    } else if (c === 32) {
      c = text.charCodeAt(k + 1);
      if (!isUpperAlnum(c) || groups === 9) return -1;
      groups++;
      inGroup = 1;
      k++;
    } else return -1;
    rem = step97(rem, c);
    k++;
  }
  // The country code and check digits go last (ISO 13616 rearrangement).
  rem = step97(step97(step97(step97(rem, c0), c1), text.charCodeAt(i + 2)), text.charCodeAt(i + 3));
  return rem === 1 ? k : -1;
}
