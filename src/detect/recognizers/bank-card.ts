/**
 * Payment cards: 13-19 digits, Luhn-valid, with an issuer prefix of a real scheme. The prefix
 * rule is what keeps Luhn-passing order numbers (one in ten random numbers passes Luhn) intact:
 * timestamp-based order numbers start with 1 or 20, which no scheme issues.
 */
import { luhnValid as luhnValid_ } from './checksums.js';

// Module-local copies of imported bindings (a getter call per access under tsx).
const luhnValid = luhnValid_;

function issuerKnown(d: string): boolean {
  const c0 = d.charCodeAt(0) - 48;
  const two = Number(d.slice(0, 2));
  switch (c0) {
    case 2: {
      const four = Number(d.slice(0, 4));
      return (four >= 2221 && four <= 2720) || four === 2131 || (four >= 2200 && four <= 2204); // Mastercard 2-series, JCB, Mir
    }
    case 3:
      return two === 34 || two === 37 || two === 35 || two === 36 || two === 38 || two === 39 || (two === 30 && d.charCodeAt(2) <= 53);
    case 4:
      return true; // Visa
    case 5:
      return two >= 50 && two <= 58; // Mastercard 51-55, Maestro 50/56-58
    case 6:
      return true; // UnionPay 62, Discover 6011/64/65, Maestro 6x, RuPay 60
    case 8:
      return two === 81; // UnionPay 81 (validator.js accepts it)
    case 9:
      return d.startsWith('95') || d.startsWith('9'); // Chinese domestic debit (e.g. 95599)
    case 1:
      return d.startsWith('1800') || d.length === 15; // JCB legacy; UATP/AirPlus 15 digits
    default:
      return false;
  }
}

export function isBankCard(digits: string): boolean {
  const n = digits.length;
  return n >= 13 && n <= 19 && issuerKnown(digits) && luhnValid(digits);
}
