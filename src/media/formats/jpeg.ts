import { isMinimalTiffOrientation, minimalTiffOrientation, readTiffOrientation } from '../exif.js';
import { malformed, truncated, unsupported, verifyFailed, verifying } from '../fail.js';
import { findJpegMarker, type ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';

// Kept: the image itself (SOF, DHT, DQT, DRI, DAC, SOS + entropy data, DNL, hierarchical DHP/EXP),
// APP0 JFIF (rebuilt without its thumbnail), APP2 ICC and APP14 Adobe (rebuilt to its 12 fixed
// bytes: colour transform flags). Dropped: every APP1 (EXIF, XMP, extended XMP), APP2 MPF/FlashPix,
// APP13 IPTC/Photoshop, all other APPn, COM, JFXX thumbnails, and anything after the first EOI
// (MPF secondary images, trailers that phone galleries append).
const IMAGE_MARKERS = new Set([0xc4, 0xdb, 0xdd, 0xcc, 0xdc, 0xde, 0xdf]);
const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

interface Item {
  marker: number;
  start: number;
  end: number;
  /** For SOS: where its entropy-coded data ends (the next marker). */
  scanEnd?: number;
}

async function* walk(src: ByteSource, fmt = 'jpeg'): AsyncGenerator<Item> {
  const soi = await src.read(0, 2);
  if (soi[0] !== 0xff || soi[1] !== 0xd8) throw malformed(fmt, 'expected SOI at offset 0');
  yield { marker: 0xd8, start: 0, end: 2 };
  let pos = 2;
  for (;;) {
    if (pos + 2 > src.size) throw truncated(fmt, 'file ends before EOI');
    let b = await src.read(pos, 2);
    if (b[0] !== 0xff) throw malformed(fmt, 'expected a marker between segments');
    while (b[1] === 0xff) {
      // Fill bytes before a marker are legal; skip them.
      pos++;
      if (pos + 2 > src.size) throw malformed(fmt, 'file ends inside marker fill');
      b = await src.read(pos, 2);
    }
    const m = b[1]!;
    if (m === 0xd9) {
      yield { marker: m, start: pos, end: pos + 2 };
      return;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      yield { marker: m, start: pos, end: pos + 2 };
      pos += 2;
      continue;
    }
    if (m === 0x00 || m === 0xd8) throw malformed(fmt, 'unexpected marker outside entropy data');
    if (pos + 4 > src.size) throw truncated(fmt, 'segment header runs past end of file');
    const len = (await src.read(pos + 2, 2)).readUInt16BE(0);
    if (len < 2) throw malformed(fmt, 'segment length below 2');
    const end = pos + 2 + len;
    if (end > src.size) throw truncated(fmt, 'segment runs past end of file');
    if (m === 0xda) {
      const scanEnd = await findJpegMarker(src, end);
      yield { marker: m, start: pos, end, scanEnd };
      pos = scanEnd;
    } else {
      yield { marker: m, start: pos, end };
      pos = end;
    }
  }
}

const startsWith = (b: Buffer, s: string): boolean => b.length >= s.length && b.subarray(0, s.length).toString('latin1') === s;

/** Payload of a length-carrying segment (bounded by 65533 bytes by the format). */
const payload = (src: ByteSource, it: Item): Promise<Buffer> => src.read(it.start + 4, it.end - it.start - 4).then((b) => Buffer.from(b));

function segment(marker: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = 0xff;
  h[1] = marker;
  h.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([h, body]);
}

function jfifWithoutThumbnail(p: Buffer): Buffer {
  const out = Buffer.from(p.subarray(0, 14));
  out[12] = 0; // thumbnail width
  out[13] = 0; // thumbnail height
  return segment(0xe0, out);
}

export function exifOrientationSegment(orientation: number): Buffer {
  return segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), minimalTiffOrientation(orientation)]));
}

export async function planJpeg(src: ByteSource): Promise<Plan> {
  const segs: Segment[] = [];
  let orientation: number | undefined;
  let exifSeen = false;
  let insertAt = 1;
  let width: number | undefined;
  let height: number | undefined;
  let sawSof = false;
  let sawScan = false;
  let sawEoi = false;
  let index = 0;
  for await (const it of walk(src)) {
    const m = it.marker;
    index++;
    if (m === 0xd8) segs.push({ start: it.start, end: it.end });
    else if (m === 0xd9) {
      segs.push({ start: it.start, end: it.end });
      sawEoi = true;
    } else if (m === 0xe0) {
      const p = await payload(src, it);
      if (startsWith(p, 'JFIF\0') && p.length >= 14) {
        segs.push(jfifWithoutThumbnail(p));
        if (index === 2) insertAt = 2;
      }
    } else if (m === 0xe1) {
      if (!exifSeen) {
        const p = await payload(src, it);
        if (startsWith(p, 'Exif\0\0')) {
          exifSeen = true;
          orientation = readTiffOrientation(p.subarray(6));
        }
      }
    } else if (m === 0xe2) {
      const head = await src.read(it.start + 4, Math.min(12, it.end - it.start - 4));
      if (startsWith(Buffer.from(head), 'ICC_PROFILE\0')) segs.push({ start: it.start, end: it.end });
    } else if (m === 0xee) {
      const p = await payload(src, it);
      if (startsWith(p, 'Adobe') && p.length >= 12) segs.push(segment(0xee, p.subarray(0, 12)));
    } else if (m >= 0xe0 && m <= 0xef) {
      // other APPn: IPTC, Photoshop, maker-specific blocks
    } else if (m === 0xfe || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      // COM, TEM, stray RST
    } else if (isSof(m)) {
      sawSof = true;
      const p = await src.read(it.start + 4, Math.min(5, it.end - it.start - 4));
      if (p.length < 5) throw malformed('jpeg', 'SOF segment too short');
      height = p.readUInt16BE(1);
      width = p.readUInt16BE(3);
      segs.push({ start: it.start, end: it.end });
    } else if (m === 0xda) {
      if (!sawSof) throw malformed('jpeg', 'SOS before any SOF');
      sawScan = true;
      segs.push({ start: it.start, end: it.scanEnd! });
    } else if (IMAGE_MARKERS.has(m)) segs.push({ start: it.start, end: it.end });
    else throw unsupported('jpeg', 'reserved or JPEG-extension marker');
    if (sawEoi) break;
  }
  if (!sawScan) throw malformed('jpeg', 'no image scan');
  if (orientation !== undefined && orientation !== 1) segs.splice(insertAt, 0, exifOrientationSegment(orientation));
  return {
    segments: segs,
    info: { kind: 'image', width, height, ...(orientation !== undefined ? { orientation } : {}) },
  };
}

/** Re-parses rewritten output and fails unless it holds only whitelisted segments and ends at EOI. */
export async function verifyJpeg(out: ByteSource): Promise<void> {
  const { sawScan, end } = await verifying('jpeg', async () => {
    let sawScan = false;
    let end = -1;
    for await (const it of walk(out, 'jpeg output')) {
      const m = it.marker;
      if (m === 0xd8 || IMAGE_MARKERS.has(m) || isSof(m)) continue;
      if (m === 0xda) {
        sawScan = true;
        continue;
      }
      if (m === 0xd9) {
        end = it.end;
        break;
      }
      const p = m >= 0xe0 && m <= 0xef ? await payload(out, it) : Buffer.alloc(0);
      if (m === 0xe0 && p.length === 14 && startsWith(p, 'JFIF\0') && p[12] === 0 && p[13] === 0) continue;
      if (m === 0xe1 && startsWith(p, 'Exif\0\0') && isMinimalTiffOrientation(p.subarray(6))) continue;
      if (m === 0xe2 && startsWith(p, 'ICC_PROFILE\0')) continue;
      if (m === 0xee && p.length === 12 && startsWith(p, 'Adobe')) continue;
      throw verifyFailed('jpeg', 'a segment outside the whitelist');
    }
    return { sawScan, end };
  });
  if (!sawScan) throw verifyFailed('jpeg', 'no image scan');
  if (end !== out.size) throw verifyFailed('jpeg', 'bytes after EOI');
}
