import { malformed, verifyFailed, verifying } from '../fail.js';
import { segmentsLength, type ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';
import { keptChunk, walkRiff } from './riff.js';

// Image data, alpha, animation and the ICC profile stay; EXIF, XMP and unknown chunks go, and
// VP8X's EXIF (0x08) and XMP (0x04) flags are cleared so readers do not look for them.
const KEEP = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM', 'ANMF', 'ICCP']);
const FRAME_KEEP = new Set(['VP8 ', 'VP8L', 'ALPH']);

function header(id: string, size: number): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(size, 4);
  return h;
}

export async function planWebp(src: ByteSource): Promise<Plan> {
  const h = await src.read(0, 12);
  // A RIFF size that disagrees with the file (a writer that never patched it) is not trusted
  // either way: the chunks are walked to the end of the file, and a chunk cut short is still
  // MEDIA_TRUNCATED.
  const declared = 8 + h.readUInt32LE(4);
  const riffEnd = declared > src.size || declared < 12 ? src.size : declared;
  const body: Segment[] = [];
  let width: number | undefined;
  let height: number | undefined;
  let hasIcc = false;
  let vp8x: Buffer | undefined;
  let vp8xIndex = -1;
  let sawImage = false;
  for await (const c of walkRiff(src, 12, riffEnd, 'webp')) {
    if (!KEEP.has(c.id)) continue;
    if (c.id === 'VP8X') {
      if (c.size < 10) throw malformed('webp', 'VP8X too short');
      vp8x = Buffer.from(await src.read(c.start, 18));
      vp8xIndex = body.length;
      body.push(vp8x); // flags fixed up below
      width = 1 + vp8x.readUIntLE(12, 3);
      height = 1 + vp8x.readUIntLE(15, 3);
      continue;
    }
    if (c.id === 'ICCP') hasIcc = true;
    if (c.id === 'VP8 ' || c.id === 'VP8L') {
      sawImage = true;
      if (width === undefined) {
        const d = await src.read(c.start + 8, Math.min(10, c.size));
        if (c.id === 'VP8L' && d.length >= 5) {
          const bits = d.readUInt32LE(1);
          width = (bits & 0x3fff) + 1;
          height = ((bits >> 14) & 0x3fff) + 1;
        } else if (c.id === 'VP8 ' && d.length >= 10) {
          width = d.readUInt16LE(6) & 0x3fff;
          height = d.readUInt16LE(8) & 0x3fff;
        }
      }
    }
    if (c.id === 'ANMF') {
      sawImage = true;
      // A frame holds its own sub-chunks; unknown ones inside are dropped as well.
      if (c.size < 16) throw malformed('webp', 'ANMF too short');
      const parts: Segment[] = [{ start: c.start + 8, end: c.start + 24 }];
      let len = 16;
      for await (const s of walkRiff(src, c.start + 24, c.start + 8 + c.size, 'webp frame')) {
        if (!FRAME_KEEP.has(s.id)) continue;
        for (const seg of keptChunk(s)) parts.push(seg);
        len += s.end - s.start + (s.padMissing ? 1 : 0);
      }
      body.push(header('ANMF', len), ...parts);
      if (len & 1) throw malformed('webp', 'odd frame size');
      continue;
    }
    for (const seg of keptChunk(c)) body.push(seg);
  }
  if (!sawImage) throw malformed('webp', 'no image data');
  if (vp8x !== undefined) {
    const fixed = Buffer.from(vp8x);
    fixed[8] = fixed[8]! & ~0x0c & (hasIcc ? 0xff : ~0x20);
    body[vp8xIndex] = fixed;
  }
  const size = 4 + segmentsLength(body);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(size, 4);
  riff.write('WEBP', 8, 'latin1');
  return { segments: [riff, ...body], info: { kind: 'image', width, height } };
}

export async function verifyWebp(out: ByteSource): Promise<void> {
  await verifying('webp', async () => {
    const h = await out.read(0, 12);
    if (h.subarray(0, 4).toString('latin1') !== 'RIFF' || h.subarray(8, 12).toString('latin1') !== 'WEBP') throw new Error('sig');
    if (8 + h.readUInt32LE(4) !== out.size) throw verifyFailed('webp', 'a RIFF size that does not match the output');
    for await (const c of walkRiff(out, 12, out.size, 'webp output')) {
      if (!KEEP.has(c.id)) throw verifyFailed('webp', 'a chunk outside the whitelist');
      if (c.id === 'VP8X' && ((await out.read(c.start + 8, 1))[0]! & 0x0c) !== 0) throw verifyFailed('webp', 'VP8X metadata flags');
      if (c.id === 'ANMF') {
        for await (const s of walkRiff(out, c.start + 24, c.start + 8 + c.size, 'webp frame')) {
          if (!FRAME_KEEP.has(s.id)) throw verifyFailed('webp', 'a frame sub-chunk outside the whitelist');
        }
      }
    }
  });
}
