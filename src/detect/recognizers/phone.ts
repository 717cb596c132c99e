/**
 * Chinese phone numbers. Mobile: `1[3-9]` + 9 digits, after an optional 86 / 0086 / +86.
 * Landline: area code (010, 02x: three digits; others four) + 7-8 digit subscriber number and
 * an optional extension, or the same after +86 without the trunk 0. The scanner's validators
 * read digit values from its digit buffer (`dv`), never from strings built per attempt.
 */

/** Whether `dv[p..p+len)` is a mobile number (11 digits, or 13 after 86, or 15 after 0086; after '+' only 86). */
export function isMobileAt(dv: Uint8Array, p: number, len: number, plus: boolean): boolean {
  let off = 0;
  if (len === 13 && dv[p] === 8 && dv[p + 1] === 6) off = 2;
  else if (len === 15 && dv[p] === 0 && dv[p + 1] === 0 && dv[p + 2] === 8 && dv[p + 3] === 6) off = 4;
  else if (len !== 11) return false;
  if (plus && off !== 2) return false;
  const b = dv[p + off + 1]!;
  return dv[p + off] === 1 && b >= 3;
}

/** Length of the area code (with trunk 0) at the start of a digit string, or 0. */
export function areaCodeLength(digits: string): number {
  if (digits.charCodeAt(0) !== 48) return 0;
  return areaCodeTail(digits.charCodeAt(1) - 48, digits.charCodeAt(2) - 48);
}

/** Area code length from the two digits after the trunk 0. */
function areaCodeTail(b: number, c: number): number {
  if (b === 1 && c === 0) return 3; // 010 Beijing
  if (b === 2) return 3; // 020-029
  if (b >= 3 && b <= 9) return 4;
  return 0;
}

/**
 * Whether the digits `dv[p..p+len)`, written as groups `a..b` (lengths in `gl`), form a
 * landline. `intl`: a +86 / 0086 prefix was stripped, so the trunk 0 is implied; `firstCut`
 * digits of group `a` belonged to that prefix. A trailing group after the subscriber number is
 * an extension when it has 1-6 digits and `extOk` (it followed a hyphen).
 */
export function isLandlineAt(dv: Uint8Array, p: number, len: number, gl: Int32Array, a: number, b: number, firstCut: number, intl: boolean, extOk: boolean): boolean {
  let ac: number;
  if (intl) ac = areaCodeTail(dv[p]!, dv[p + 1]!);
  else ac = dv[p] === 0 ? areaCodeTail(dv[p + 1]!, dv[p + 2]!) : 0;
  if (ac === 0) return false;
  const total = intl ? len + 1 : len;
  let k = a;
  let first = gl[a]! - firstCut;
  if (first === 0) first = gl[++k]!;
  // Ungrouped: area code + 7-8 digits exactly.
  if (k === b) return total - ac === 7 || total - ac === 8;
  // Grouped: the first group must be the area code (or its tail, for +86 10 ...).
  if ((intl ? first + 1 : first) !== ac) return false;
  let sub = 0;
  let i = k + 1;
  while (i <= b && sub < 7) sub += gl[i++]!;
  if (sub !== 7 && sub !== 8) return false;
  if (i === b + 1) return true;
  // One extension group may follow.
  return extOk && i === b && gl[i]! <= 6;
}
