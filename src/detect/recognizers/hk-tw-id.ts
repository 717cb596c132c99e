/** Hong Kong identity card and Taiwan national ID, with their check characters. */

/** HKID `A123456(7)` / `AB123456(A)`: weights 9..2 (8..2 for one letter, a space counting 36), mod 11. */
export function hkIdValid(letters: string, digits: string, check: string): boolean {
  let sum = 0;
  const l = letters.toUpperCase();
  if (l.length === 1) sum += 36 * 9 + (l.charCodeAt(0) - 55) * 8;
  else sum += (l.charCodeAt(0) - 55) * 9 + (l.charCodeAt(1) - 55) * 8;
  for (let i = 0; i < 6; i++) sum += (digits.charCodeAt(i) - 48) * (7 - i);
  const r = (11 - (sum % 11)) % 11;
  const expected = r === 10 ? 'A' : String(r);
  return expected === check.toUpperCase();
}

/** Letter codes of the Taiwan ID (not alphabetical: I, O, W, Z were added later). */
const TW_CODES = 'ABCDEFGHJKLMNPQRSTUVXYWZIO';

/** Taiwan ID `A123456789`: letter as two digits, weights 1,9,8..1,1, sum mod 10 = 0. */
export function twIdValid(id: string): boolean {
  const s = id.toUpperCase();
  const idx = TW_CODES.indexOf(s[0]!);
  if (idx < 0) return false;
  const code = idx + 10;
  let sum = Math.floor(code / 10) + (code % 10) * 9;
  for (let i = 1; i < 9; i++) sum += (s.charCodeAt(i) - 48) * (9 - i);
  sum += s.charCodeAt(9) - 48;
  return sum % 10 === 0;
}
