/** MAC addresses (colon, hyphen, Cisco dot forms) and IPv6 (validated by node:net). */
import { isIPv6 } from 'node:net';

/** EUI-48 and EUI-64: pairs joined by ':' '-' or ' ', or Cisco dotted quads. */
const MAC_RE = /(?:[0-9A-Fa-f]{2}([:\- ])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?:\1[0-9A-Fa-f]{2}\1[0-9A-Fa-f]{2})?|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4})?)(?![0-9A-Za-z:-])/y;
const V6_RE = /[0-9A-Fa-f:.]{2,45}/y;

export function macAt(text: string, i: number): number {
  MAC_RE.lastIndex = i;
  const m = MAC_RE.exec(text);
  if (m === null) return -1;
  // Space-separated pairs of plain digits are lottery numbers and dates, not MACs.
  if (m[1] === ' ' && !/[A-Fa-f]/.test(m[0])) return -1;
  return MAC_RE.lastIndex;
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
  // Without '::' an address has 7 colons (6 with a dotted IPv4 tail): spares isIPv6 on times like 12:30:45.
  if (colons < 6 && text.slice(i, e).indexOf('::') < 0) return -1;
  // Trailing punctuation (`::1.` or a colon before prose) is not part of the address.
  for (;;) {
    if (isIPv6(text.slice(i, e))) return text.charCodeAt(e) === 58 ? -1 : suffix(text, e);
    const c = text.charCodeAt(e - 1);
    if (e <= i + 2 || (c !== 46 && c !== 58)) return -1;
    e--;
  }
}

const ZONE = /%[A-Za-z0-9.]+/y;
/** Zone index (`%eth0`) and prefix length (`/64`) belong to the address. */
function suffix(text: string, e: number): number {
  ZONE.lastIndex = e;
  if (ZONE.test(text)) e = ZONE.lastIndex;
  if (text.charCodeAt(e) === 47) {
    let k = e + 1;
    while (k < e + 4 && text.charCodeAt(k) >= 48 && text.charCodeAt(k) <= 57) k++;
    if (k > e + 1 && Number(text.slice(e + 1, k)) <= 128) e = k;
  }
  return e;
}
