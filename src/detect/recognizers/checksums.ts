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
