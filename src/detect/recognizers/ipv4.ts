/**
 * IPv4 dotted quad: four groups of 1-3 digits, each 0-255, no leading zeros. `gp`/`gl` give
 * each group's start in the digit buffer `dv` and its length; groups `a..a+3` are checked.
 */
export function isIpv4At(dv: Uint8Array, gp: Int32Array, gl: Int32Array, a: number): boolean {
  for (let k = a; k < a + 4; k++) {
    const len = gl[k]!;
    if (len === 0 || len > 3) return false;
    const p = gp[k]!;
    if (len > 1 && dv[p] === 0) return false;
    let v = 0;
    for (let q = p; q < p + len; q++) v = v * 10 + dv[q]!;
    if (v > 255) return false;
  }
  return true;
}
