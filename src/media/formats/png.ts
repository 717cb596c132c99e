import { crc32 } from 'node:zlib';
import { isMinimalTiffOrientation, minimalTiffOrientation, readTiffOrientation } from '../exif.js';
import { malformed, truncated, unsupported, verifyFailed, verifying } from '../fail.js';
import type { ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';

const ICC_NAME = 'ICC Profile';
const SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// Critical chunks, colour interpretation (gamma, chromaticities, ICC, sRGB, CICP, HDR mastering,
// significant bits, transparency, background), pixel aspect, and APNG animation. Everything else
// is dropped: tEXt/zTXt/iTXt (XMP lives in iTXt), eXIf, tIME, vendor chunks, unknown chunks.
const KEEP = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'cICP', 'mDCV', 'cLLI', 'bKGD', 'pHYs', 'acTL', 'fcTL', 'fdAT']);

interface Chunk {
  type: string;
  start: number;
  end: number;
  dataLen: number;
}

async function* walk(src: ByteSource, fmt: string): AsyncGenerator<Chunk> {
  if (src.size < 8 || !Buffer.from(await src.read(0, 8)).equals(SIG)) throw malformed(fmt, 'bad signature');
  let pos = 8;
  for (;;) {
    if (pos + 12 > src.size) throw truncated(fmt, 'file ends before IEND');
    const h = await src.read(pos, 8);
    const dataLen = h.readUInt32BE(0);
    const type = h.subarray(4, 8).toString('latin1');
    if (dataLen > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) throw malformed(fmt, 'bad chunk header');
    const end = pos + 12 + dataLen;
    if (end > src.size) throw truncated(fmt, 'chunk runs past end of file');
    yield { type, start: pos, end, dataLen };
    if (type === 'IEND') return;
    pos = end;
  }
}

/** One PNG chunk: length, type, data, CRC-32 over type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export async function planPng(src: ByteSource): Promise<Plan> {
  const segs: Segment[] = [{ start: 0, end: 8 }];
  let width: number | undefined;
  let height: number | undefined;
  let orientation: number | undefined;
  let ihdrAt = -1;
  let sawIdat = false;
  for await (const c of walk(src, 'png')) {
    if (segs.length === 1 && c.type !== 'IHDR') throw malformed('png', 'first chunk is not IHDR');
    if (c.type === 'IHDR') {
      const d = await src.read(c.start + 8, 8);
      width = d.readUInt32BE(0);
      height = d.readUInt32BE(4);
      ihdrAt = segs.length;
    }
    if (c.type === 'IDAT') sawIdat = true;
    if (c.type === 'eXIf' && !sawIdat && c.dataLen <= 1 << 20) {
      orientation = readTiffOrientation(Buffer.from(await src.read(c.start + 8, c.dataLen)));
    }
    if (c.type === 'iCCP') {
      // The profile name is free text (up to 79 bytes) that a writer can fill with anything: rename it.
      const d = Buffer.from(await src.read(c.start + 8, c.dataLen));
      const nul = d.indexOf(0);
      if (nul < 1 || nul > 79) throw malformed('png', 'bad iCCP name');
      segs.push(pngChunk('iCCP', Buffer.concat([Buffer.from(ICC_NAME, 'latin1'), d.subarray(nul)])));
    } else if (KEEP.has(c.type)) segs.push({ start: c.start, end: c.end });
    else if ((c.type.charCodeAt(0) & 0x20) === 0) throw unsupported('png', 'unknown critical chunk');
  }
  if (!sawIdat || ihdrAt < 0) throw malformed('png', 'no image data');
  // PNG viewers honour eXIf orientation, so a rotated photo keeps it as a one-entry EXIF.
  if (orientation !== undefined && orientation !== 1) segs.splice(ihdrAt + 1, 0, pngChunk('eXIf', minimalTiffOrientation(orientation)));
  return { segments: segs, info: { kind: 'image', width, height, ...(orientation !== undefined ? { orientation } : {}) } };
}

export async function verifyPng(out: ByteSource): Promise<void> {
  const end = await verifying('png', async () => {
    let end = -1;
    for await (const c of walk(out, 'png output')) {
      end = c.end;
      if (c.type === 'iCCP') {
        const name = Buffer.from(await out.read(c.start + 8, ICC_NAME.length + 1));
        if (name.toString('latin1') !== `${ICC_NAME}\0`) throw verifyFailed('png', 'an iCCP chunk with a free-text name');
        continue;
      }
      if (KEEP.has(c.type)) continue;
      if (c.type === 'eXIf' && c.dataLen === 26 && isMinimalTiffOrientation(Buffer.from(await out.read(c.start + 8, 26)))) continue;
      throw verifyFailed('png', 'a chunk outside the whitelist');
    }
    return end;
  });
  if (end !== out.size) throw verifyFailed('png', 'bytes after IEND');
}
