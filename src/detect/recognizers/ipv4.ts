/** IPv4 dotted quad: four groups of 1-3 digits, each 0-255, no leading zeros. */
export function isIpv4Groups(groups: readonly string[]): boolean {
  if (groups.length !== 4) return false;
  for (const g of groups) {
    if (g.length === 0 || g.length > 3) return false;
    if (g.length > 1 && g.charCodeAt(0) === 48) return false;
    if (Number(g) > 255) return false;
  }
  return true;
}
