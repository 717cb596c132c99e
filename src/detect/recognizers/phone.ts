/**
 * Chinese phone numbers. Mobile: `1[3-9]` + 9 digits, after an optional 86 / 0086 / +86.
 * Landline: area code (010, 02x: three digits; others four) + 7-8 digit subscriber number and
 * an optional extension, or the same after +86 without the trunk 0.
 */

/** The 11 mobile digits when `digits` (separators removed) is a mobile number, else -1 offset. */
export function mobileOffset(digits: string, plus: boolean): number {
  const n = digits.length;
  let off = 0;
  if (n === 13 && digits.startsWith('86')) off = 2;
  else if (n === 15 && digits.startsWith('0086')) off = 4;
  else if (n !== 11) return -1;
  if (plus && off !== 2) return -1;
  const a = digits.charCodeAt(off);
  const b = digits.charCodeAt(off + 1);
  return a === 49 && b >= 51 && b <= 57 ? off : -1;
}

/** Length of the area code (with trunk 0) at the start of `digits`, or 0. */
export function areaCodeLength(digits: string): number {
  if (digits.charCodeAt(0) !== 48) return 0;
  const b = digits.charCodeAt(1);
  if (b === 49 && digits.charCodeAt(2) === 48) return 3; // 010 Beijing
  if (b === 50) return 3; // 020-029
  if (b >= 51 && b <= 57) return 4;
  return 0;
}

/**
 * Whether groups of digits form a landline. `groups` are the digit groups as written (e.g.
 * ['010','62660053'] or ['0755','8888','6666']); a trailing group after the subscriber number
 * is an extension when it has 1-6 digits. `plus` marks a +86 / 0086 prefix already stripped.
 */
export function isLandline(digits: string, groupLens: readonly number[], intl: boolean, extOk = true): boolean {
  const d = intl ? '0' + digits : digits;
  const ac = areaCodeLength(d);
  if (ac === 0) return false;
  // Ungrouped: area code + 7-8 digits exactly.
  if (groupLens.length === 1) return d.length - ac === 7 || d.length - ac === 8;
  // Grouped: the first group must be the area code (or its tail, for +86 10 ...).
  const first = intl ? groupLens[0]! + 1 : groupLens[0]!;
  if (first !== ac) return false;
  let sub = 0;
  let i = 1;
  while (i < groupLens.length && sub < 7) sub += groupLens[i++]!;
  if (sub !== 7 && sub !== 8) return false;
  if (i === groupLens.length) return true;
  // One extension group may follow.
  return extOk && i === groupLens.length - 1 && groupLens[i]! <= 6;
}
