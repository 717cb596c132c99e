import { createHash, randomUUID } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { mediaError, unsupported, verifyFailed } from './fail.js';
import { checkPixels, DEFAULT_MAX_PIXELS } from './limits.js';
import { FileSource } from './source.js';
import type { MediaInfo } from './types.js';

// Structural baseline tags plus ICC. No IFD1 (thumbnail), SubIFDs, EXIF/GPS IFDs, XMP, IPTC,
// Photoshop blocks, descriptions, make/model, software, dates, artist or copyright.
const TAGS = new Set([254, 256, 257, 258, 259, 262, 273, 274, 277, 278, 279, 282, 283, 284, 296, 317, 322, 323, 324, 325, 338, 339, 34675]);

/**
 * TIFF goes through sharp (libvips): a lossless deflate re-encode at the original bit depth, with
 * alpha and ICC kept and every other tag dropped. Exotic TIFFs are refused rather than altered.
 */
export async function reencodeTiff(input: string, tempDir: string, verify: boolean, maxPixels = DEFAULT_MAX_PIXELS): Promise<{ path: string; info: Omit<MediaInfo, 'format' | 'mime'> }> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { failOn: 'error' }).metadata();
  } catch {
    throw mediaError('MEDIA_MALFORMED', 'tiff: image cannot be decoded');
  }
  // metadata() reads the header only; refuse a pixel bomb before anything decodes.
  checkPixels(meta, maxPixels);
  if (meta.format !== 'tiff') throw unsupported('tiff', 'not a TIFF image after all');
  if ((meta.pages ?? 1) > 1) throw unsupported('tiff', 'multi-page TIFF');
  if (meta.depth !== 'uchar' && meta.depth !== 'ushort') throw unsupported('tiff', 'sample format other than 8 or 16-bit unsigned');
  const space = meta.space;
  if (space !== 'srgb' && space !== 'rgb16' && space !== 'b-w' && space !== 'grey16') throw unsupported('tiff', 'colour space other than RGB or grey');
  const wide = meta.depth === 'ushort';
  const out = join(tempDir, `${randomUUID()}.tif`);
  let img = sharp(input, { failOn: 'error', limitInputPixels: maxPixels }).keepIccProfile();
  if (wide) img = img.toColourspace(space === 'b-w' || space === 'grey16' ? 'grey16' : 'rgb16');
  await img.tiff({ compression: 'deflate', predictor: 'horizontal' }).toFile(out);
  const orientation = meta.orientation ?? 1;
  await patchOrientation(out, orientation);
  if (verify) {
    await verifyTiffTags(out);
    const [a, b] = await Promise.all([pixelHash(input, wide), pixelHash(out, wide)]);
    if (a !== b) throw verifyFailed('tiff', 'pixels that differ from the input');
  }
  return {
    path: out,
    info: { kind: 'image', width: meta.width, height: meta.height, ...(orientation !== 1 ? { orientation } : {}), bytes: (await stat(out)).size },
  };
}

/** Decoded pixels at the original depth, ICC ignored, plus their shape. */
export async function pixelHash(path: string, wide: boolean): Promise<string> {
  const { data, info } = await sharp(path).raw({ depth: wide ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  return createHash('sha256').update(`${info.width}x${info.height}x${info.channels}:`).update(data).digest('hex');
}

async function readIfd0(path: string): Promise<{ le: boolean; ifd: number; buf: Buffer }> {
  const src = await FileSource.open(path);
  try {
    const h = Buffer.from(await src.read(0, 8));
    const le = h[0] === 0x49;
    const ifd = le ? h.readUInt32LE(4) : h.readUInt32BE(4);
    const n = (await src.read(ifd, 2))[le ? 'readUInt16LE' : 'readUInt16BE'](0);
    const buf = Buffer.from(await src.read(ifd, 2 + n * 12 + 4));
    return { le, ifd, buf };
  } finally {
    await src.close();
  }
}

/** libvips always writes Orientation=1; the input's value is written into that same 2-byte field. */
async function patchOrientation(path: string, orientation: number): Promise<void> {
  if (orientation === 1) return;
  const { le, ifd, buf } = await readIfd0(path);
  const n = le ? buf.readUInt16LE(0) : buf.readUInt16BE(0);
  for (let i = 0; i < n; i++) {
    const e = 2 + i * 12;
    const tag = le ? buf.readUInt16LE(e) : buf.readUInt16BE(e);
    if (tag !== 274) continue;
    const v = Buffer.alloc(2);
    if (le) v.writeUInt16LE(orientation);
    else v.writeUInt16BE(orientation);
    const fh = await open(path, 'r+');
    try {
      await fh.write(v, 0, 2, ifd + e + 8);
    } finally {
      await fh.close();
    }
    return;
  }
  throw mediaError('MEDIA_TOOL_FAILED', 'tiff: encoder wrote no orientation field to patch');
}

async function verifyTiffTags(path: string): Promise<void> {
  const { le, buf } = await readIfd0(path);
  const n = le ? buf.readUInt16LE(0) : buf.readUInt16BE(0);
  for (let i = 0; i < n; i++) {
    const tag = le ? buf.readUInt16LE(2 + i * 12) : buf.readUInt16BE(2 + i * 12);
    if (!TAGS.has(tag)) throw verifyFailed('tiff', 'a tag outside the whitelist');
  }
  const next = le ? buf.readUInt32LE(2 + n * 12) : buf.readUInt32BE(2 + n * 12);
  if (next !== 0) throw verifyFailed('tiff', 'a second IFD');
}
