/**
 * Chinese resident ID (GB 11643-1999). Reuses the contract in `src/id/cn-id.ts` for the
 * checksum, the province table and the calendar check; adds the rule that the birth date may
 * not lie after the document's date.
 */
import { PROVINCES, cnIdCheckChar, parseCompactDate } from '../../id/cn-id.js';

export type CnIdVerdict = 'valid' | 'probable' | undefined;

/** Birth date `YYYYMMDD` is real and not after `docDate` (also `YYYYMMDD`). */
function birthOk(yyyymmdd: string, docDate: string): boolean {
  return yyyymmdd <= docDate && parseCompactDate(yyyymmdd) !== undefined;
}

/**
 * Classifies an ID-shaped string: 18 characters (17 digits + digit or upper-case `X`) or 15
 * digits. `valid` when province, date and check character hold; `probable` when only the check
 * character is wrong (most likely a typo of a real number); otherwise undefined.
 */
export function classifyCnId(s: string, docDate: string): CnIdVerdict {
  if (s.length === 18) {
    if (PROVINCES[s.slice(0, 2)] === undefined) return undefined;
    if (!birthOk(s.slice(6, 14), docDate)) return undefined;
    return cnIdCheckChar(s.slice(0, 17)) === s[17] ? 'valid' : 'probable';
  }
  if (s.length === 15) {
    // Legacy numbers have no check character; province and a 19YYMMDD date must hold.
    if (PROVINCES[s.slice(0, 2)] === undefined) return undefined;
    return birthOk('19' + s.slice(6, 12), docDate) ? 'valid' : undefined;
  }
  return undefined;
}
