/**
 * Payment cards: 13-19 digits, Luhn-valid, with an issuer prefix of a real scheme. The prefix
 * rule is what keeps Luhn-passing order numbers (one in ten random numbers passes Luhn) intact:
 * timestamp-based order numbers start with 1 or 20, which no scheme issues.
 */
import { luhnAt as luhnAt_ } from './checksums.js';

// Module-local copies of imported bindings (a getter call per access under tsx).
const luhnAt = luhnAt_;

function issuerKnown(dv: Uint8Array, p: number, len: number): boolean {
  const c0 = dv[p]!;
  const two = c0 * 10 + dv[p + 1]!;
  switch (c0) {
    case 2: {
      const four = two * 100 + dv[p + 2]! * 10 + dv[p + 3]!;
      return (four >= 2221 && four <= 2720) || four === 2131 || (four >= 2200 && four <= 2204); // Mastercard 2-series, JCB, Mir
    }
    case 3:
      return two === 34 || two === 37 || two === 35 || two === 36 || two === 38 || two === 39 || (two === 30 && dv[p + 2]! <= 5);
    case 4:
      return true; // Visa
    case 5:
      return two >= 50 && two <= 58; // Mastercard 51-55, Maestro 50/56-58
    case 6:
      return true; // UnionPay 62, Discover 6011/64/65, Maestro 6x, RuPay 60
    case 8:
      return two === 81; // UnionPay 81 (validator.js accepts it)
    case 9:
      return true; // Chinese domestic debit (e.g. 95599) and other 9-series domestic cards
    case 1:
      return (two === 18 && dv[p + 2] === 0 && dv[p + 3] === 0) || len === 15; // JCB legacy 1800; UATP/AirPlus 15 digits
    default:
      return false;
  }
}

/** Whether the digit values `dv[p..p+len)` are a card number. */
export function isBankCardAt(dv: Uint8Array, p: number, len: number): boolean {
  return len >= 13 && len <= 19 && issuerKnown(dv, p, len) && luhnAt(dv, p, len);
}
