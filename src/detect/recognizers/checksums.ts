/** Check-digit algorithms shared by recognizers. */

/** Luhn (ISO/IEC 7812) over the digit values `dv[p..p+len)`. */
export function luhnAt(dv: Uint8Array, p: number, len: number): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = p + len - 1; i >= p; i--) {
    let d = dv[i]!;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** ISO 13616 IBAN check: rearranged, letters as 10..35, mod 97 must be 1. `s` is upper-case alnum. */
export function ibanMod97Valid(s: string): boolean {
  const r = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}
