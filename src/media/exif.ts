// The one EXIF fact worth keeping is orientation: without it a portrait photo displays sideways.
// Everything else in EXIF (GPS, serials, owner, dates, maker notes, thumbnails) is dropped.

/** Reads IFD0 Orientation (tag 0x0112) from a TIFF-structured EXIF body; undefined if absent or bad. */
export function readTiffOrientation(tiff: Buffer): number | undefined {
  if (tiff.length < 8) return undefined;
  const le = tiff[0] === 0x49 && tiff[1] === 0x49;
  const be = tiff[0] === 0x4d && tiff[1] === 0x4d;
  if (!le && !be) return undefined;
  const u16 = (o: number): number => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number): number => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const n = u16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > tiff.length) return undefined;
    if (u16(e) === 0x0112 && u16(e + 2) === 3 && u32(e + 4) === 1) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : undefined;
    }
  }
  return undefined;
}

/** A big-endian TIFF body with one IFD0 entry, Orientation, and no next IFD. 26 bytes. */
export function minimalTiffOrientation(orientation: number): Buffer {
  const b = Buffer.alloc(26);
  b.write('MM', 0, 'latin1');
  b.writeUInt16BE(42, 2);
  b.writeUInt32BE(8, 4);
  b.writeUInt16BE(1, 8); // one entry
  b.writeUInt16BE(0x0112, 10);
  b.writeUInt16BE(3, 12); // SHORT
  b.writeUInt32BE(1, 14);
  b.writeUInt16BE(orientation, 18); // value left-justified in the 4-byte field
  b.writeUInt32BE(0, 22); // no IFD1: that is where thumbnails live
  return b;
}

/** True if `tiff` is exactly what {@link minimalTiffOrientation} writes. */
export function isMinimalTiffOrientation(tiff: Buffer): boolean {
  if (tiff.length !== 26) return false;
  const o = tiff.readUInt16BE(18);
  return o >= 1 && o <= 8 && minimalTiffOrientation(o).equals(tiff);
}
