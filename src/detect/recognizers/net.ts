/** MAC addresses (colon, hyphen, Cisco dot forms) and IPv6 (validated by node:net). */
import { isIPv6 } from 'node:net';

const MAC_RE = /(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Za-z:-])/y;
const V6_RE = /[0-9A-Fa-f:.]{2,45}/y;

export function macAt(text: string, i: number): number {
  MAC_RE.lastIndex = i;
  return MAC_RE.test(text) ? MAC_RE.lastIndex : -1;
}

/** End of an IPv6 address starting at `i`, or -1. Needs at least two colons. */
export function ipv6At(text: string, i: number): number {
  V6_RE.lastIndex = i;
  if (!V6_RE.test(text)) return -1;
  let e = V6_RE.lastIndex;
  const n = text.length;
  if (e < n && /[G-Zg-z]/.test(text[e]!)) return -1; // part of a longer word
  let colons = 0;
  for (let k = i; k < e; k++) if (text.charCodeAt(k) === 58) colons++;
  if (colons < 2) return -1;
  // Trailing punctuation (`::1.` or a colon before prose) is not part of the address.
  while (e > i + 2) {
    if (isIPv6(text.slice(i, e))) return e;
    const c = text.charCodeAt(e - 1);
    if (c !== 46 && c !== 58) break;
    e--;
  }
  return isIPv6(text.slice(i, e)) ? e : -1;
}
