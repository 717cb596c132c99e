/**
 * Chinese resident ID (GB 11643-1999). Reuses the contract in `src/id/cn-id.ts` for the
 * checksum, the province table and the calendar check; adds the rule that the birth date may
 * not lie after the document's date.
 */
import { PROVINCES as PROVINCES_, cnIdCheckChar as cnIdCheckChar_ } from '../../id/cn-id.js';

// Module-local copies of imported bindings (a getter call per access under tsx).
const PROVINCES = PROVINCES_;
const cnIdCheckChar = cnIdCheckChar_;

export type CnIdVerdict = 'valid' | 'probable' | undefined;

const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Birth date `YYYYMMDD` is real (from 1850) and not after `docDate` (also `YYYYMMDD`). Arithmetic, no Date: it runs per 18-digit token. */
function birthOk(s: string, from: number, docDate: string): boolean {
  const y = (s.charCodeAt(from) - 48) * 1000 + (s.charCodeAt(from + 1) - 48) * 100 + (s.charCodeAt(from + 2) - 48) * 10 + (s.charCodeAt(from + 3) - 48);
  const m = (s.charCodeAt(from + 4) - 48) * 10 + (s.charCodeAt(from + 5) - 48);
  const d = (s.charCodeAt(from + 6) - 48) * 10 + (s.charCodeAt(from + 7) - 48);
  if (y < 1850 || m < 1 || m > 12 || d < 1 || d > MONTH_DAYS[m]!) return false;
  if (m === 2 && d === 29 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0)) return false;
  return s.slice(from, from + 8) <= docDate;
}

/**
 * Classifies an ID-shaped string: 18 characters (17 digits + digit or upper-case `X`) or 15
 * digits. `valid` when province, date and check character hold; `probable` when only the check
 * character is wrong (most likely a typo of a real number); otherwise undefined.
 */
export function classifyCnId(s: string, docDate: string): CnIdVerdict {
  if (s.length === 18) {
    if (PROVINCES[s.slice(0, 2)] === undefined) return undefined;
    if (!birthOk(s, 6, docDate)) return undefined;
    return cnIdCheckChar(s.slice(0, 17)) === s[17] ? 'valid' : 'probable';
  }
  if (s.length === 15) {
    // Legacy numbers have no check character; province and a 19YYMMDD date must hold.
    if (PROVINCES[s.slice(0, 2)] === undefined) return undefined;
    return birthOk('19' + s.slice(6, 12), 0, docDate) ? 'valid' : undefined;
  }
  return undefined;
}
