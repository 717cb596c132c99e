/**
 * Chinese licence plates: province character + issuing-office letter + five characters
 * (`京A·12345`), or six for new-energy vehicles (`粤B·D12345`, `沪A·12345F`). I and O are never
 * used. At least two digits are required so words like `京AB` followed by letters stay intact.
 */
export const PLATE_PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领';
export const PLATE_RE = new RegExp(
  `[${PLATE_PROVINCES}][A-HJ-NP-Z][·•．. ]?(?:[DF][A-HJ-NP-Z0-9]\\d{4}|\\d{5}[DF]|[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳])(?![A-Za-z0-9])`,
  'y',
);

export function plateAt(text: string, i: number): number {
  PLATE_RE.lastIndex = i;
  if (!PLATE_RE.test(text)) return -1;
  const e = PLATE_RE.lastIndex;
  let digits = 0;
  for (let k = i + 2; k < e; k++) {
    const c = text.charCodeAt(k);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits >= 2 ? e : -1;
}
