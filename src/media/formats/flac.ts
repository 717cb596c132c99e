import { skipLeadingId3 } from '../sniff.js';
import { malformed, truncated, verifyFailed, verifying } from '../fail.js';
import type { ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';
import { stripTailTags } from './tail-tags.js';

// STREAMINFO (0) and SEEKTABLE (3) stay; PADDING, APPLICATION, VORBIS_COMMENT (tags and the
// vendor string), CUESHEET and PICTURE (cover art with its own EXIF) go, as do ID3 tags that
// taggers wrap around FLAC.
const KEEP = new Set([0, 3]);

export async function planFlac(src: ByteSource): Promise<Plan> {
  let pos = await skipLeadingId3(src);
  if ((await src.read(pos, 4)).toString('latin1') !== 'fLaC') throw malformed('flac', 'no fLaC marker');
  pos += 4;
  const kept: { start: number; end: number; header: Buffer }[] = [];
  let info: Buffer | undefined;
  for (;;) {
    const h = Buffer.from(await src.read(pos, 4));
    const last = (h[0]! & 0x80) !== 0;
    const type = h[0]! & 0x7f;
    const len = h.readUIntBE(1, 3);
    if (type === 127) throw malformed('flac', 'invalid metadata block type');
    if (pos + 4 + len > src.size) throw truncated('flac', 'metadata block runs past the end');
    if (kept.length === 0 && type !== 0) throw malformed('flac', 'first block is not STREAMINFO');
    if (type === 0) {
      if (len !== 34) throw malformed('flac', 'STREAMINFO is not 34 bytes');
      info = Buffer.from(await src.read(pos + 4, 34));
    }
    if (KEEP.has(type)) kept.push({ start: pos + 4, end: pos + 4 + len, header: h });
    pos += 4 + len;
    if (last) break;
  }
  const audioStart = pos;
  const sync = await src.read(audioStart, 2).catch(() => {
    throw truncated('flac', 'no audio frames');
  });
  if (sync[0] !== 0xff || (sync[1]! & 0xfe) !== 0xf8) throw malformed('flac', 'no frame sync after metadata');
  const audioEnd = await stripTailTags(src, audioStart, src.size);
  const segs: Segment[] = [Buffer.from('fLaC', 'latin1')];
  kept.forEach((k, i) => {
    const h = Buffer.from(k.header);
    h[0] = (h[0]! & 0x7f) | (i === kept.length - 1 ? 0x80 : 0);
    segs.push(h, { start: k.start, end: k.end });
  });
  segs.push({ start: audioStart, end: audioEnd });
  const rate = info!.readUIntBE(10, 3) >> 4;
  // total samples: 36 bits starting at bit 108 of STREAMINFO
  const total = (info![13]! & 0x0f) * 2 ** 32 + info!.readUInt32BE(14);
  return { segments: segs, info: { kind: 'audio', ...(rate > 0 && total > 0 ? { durationMs: Math.round((total / rate) * 1000) } : {}) } };
}

export async function verifyFlac(out: ByteSource): Promise<void> {
  await verifying('flac', async () => {
    if ((await out.read(0, 4)).toString('latin1') !== 'fLaC') throw verifyFailed('flac', 'no fLaC marker at offset 0');
    let pos = 4;
    for (;;) {
      const h = await out.read(pos, 4);
      if (!KEEP.has(h[0]! & 0x7f)) throw verifyFailed('flac', 'a metadata block outside the whitelist');
      pos += 4 + h.readUIntBE(1, 3);
      if (h[0]! & 0x80) break;
    }
    const sync = await out.read(pos, 2);
    if (sync[0] !== 0xff || (sync[1]! & 0xfe) !== 0xf8) throw verifyFailed('flac', 'no frame sync after metadata');
    if ((await stripTailTags(out, pos, out.size)) !== out.size) throw verifyFailed('flac', 'a trailing tag');
  });
}
