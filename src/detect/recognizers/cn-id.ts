/**
 * Chinese resident ID (GB 11643-1999). Reuses the contract in `src/id/cn-id.ts` for the
 * province table; adds the rule that the birth date may not lie after the document's date.
 * Validates straight from the scanner's digit buffer: it runs for every 15-18 digit token, and
 * building a string per token attempt was a measurable share of scan time.
 */
import { PROVINCES } from '../../id/cn-id.js';

/** 1 at index `pp` when `pp` (two digits) is a real province code. */
const PROVINCE = new Uint8Array(100);
for (const code of Object.keys(PROVINCES)) PROVINCE[Number(code)] = 1;

/** ISO 7064 MOD 11-2 weights, and the check value for each remainder (10 stands for `X`). */
const WEIGHTS = new Uint8Array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
const CHECK = new Uint8Array([1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2]);

const MONTH_DAYS = new Uint8Array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);

/** Verdicts: not an ID, a valid ID, or a probable ID (region and date real, check character wrong). */
export const CN_ID_NONE = 0;
export const CN_ID_VALID = 1;
export const CN_ID_PROBABLE = 2;

/** A real birth date (from 1850) not after `docDate` (YYYYMMDD as a number). */
function birthOk(y: number, m: number, d: number, docDate: number): boolean {
  if (y < 1850 || m < 1 || m > 12 || d < 1 || d > MONTH_DAYS[m]!) return false;
  if (m === 2 && d === 29 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0)) return false;
  return y * 10000 + m * 100 + d <= docDate;
}

/**
 * Classifies the digits `dv[p..p+len)` as a resident ID: 18 digits, 17 digits followed by a
 * check character `X` (`x` true), or 15 legacy digits (no check character, a 19YYMMDD date).
 * Returns CN_ID_VALID, CN_ID_PROBABLE (only the check character wrong) or CN_ID_NONE.
 */
export function cnIdAt(dv: Uint8Array, p: number, len: number, x: boolean, docDate: number): number {
  if (PROVINCE[dv[p]! * 10 + dv[p + 1]!] !== 1) return CN_ID_NONE;
  if (len === 15) {
    const ok = birthOk(1900 + dv[p + 6]! * 10 + dv[p + 7]!, dv[p + 8]! * 10 + dv[p + 9]!, dv[p + 10]! * 10 + dv[p + 11]!, docDate);
    return ok && !x ? CN_ID_VALID : CN_ID_NONE;
  }
  if (len !== (x ? 17 : 18)) return CN_ID_NONE;
  const y = dv[p + 6]! * 1000 + dv[p + 7]! * 100 + dv[p + 8]! * 10 + dv[p + 9]!;
  if (!birthOk(y, dv[p + 10]! * 10 + dv[p + 11]!, dv[p + 12]! * 10 + dv[p + 13]!, docDate)) return CN_ID_NONE;
  let sum = 0;
  for (let k = 0; k < 17; k++) sum += dv[p + k]! * WEIGHTS[k]!;
  return CHECK[sum % 11] === (x ? 10 : dv[p + 17]) ? CN_ID_VALID : CN_ID_PROBABLE;
}
