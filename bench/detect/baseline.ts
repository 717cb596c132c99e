/**
 * The plain baseline the issue asks Sunder to beat: one combined regex per line, with MOD 11-2
 * and Luhn checks in the replacement callback. It is what a careful engineer writes in an hour.
 * Self-contained (no imports), so the module loader the bench runs under cannot slow it down.
 */

const COMBINED = /(\d{17}[\dXx])|(1[3-9]\d{9})|(\d{13,19})|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})|((?:\d{1,3}\.){3}\d{1,3})/g;

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** ISO 7064 MOD 11-2 over 17 digits, compared with the 18th character (`x` as `X`). */
function mod112(id: string): boolean {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (id.charCodeAt(i) - 48) * WEIGHTS[i]!;
  const c = id.charCodeAt(17);
  return CHECK.charCodeAt(sum % 11) === (c === 120 ? 88 : c);
}

export function luhn(d: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let n = d.charCodeAt(i) - 48;
    if (dbl && (n *= 2) > 9) n -= 9;
    sum += n;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

export function baselineRedact(text: string): string {
  return text.replace(COMBINED, (m, id: string | undefined, mobile: string | undefined, card: string | undefined, email: string | undefined, ip: string | undefined) => {
    if (id !== undefined) return mod112(id) ? '[CN_ID]' : luhn(id) ? '[BANK_CARD]' : m;
    if (mobile !== undefined) return '[PHONE]';
    if (card !== undefined) return luhn(card) ? '[BANK_CARD]' : m;
    if (email !== undefined) return '[EMAIL]';
    if (ip !== undefined) return '[IP]';
    return m;
  });
}
