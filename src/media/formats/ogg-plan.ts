import { malformed, verifyFailed, verifying } from '../fail.js';
import type { ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';
import { pageCrc, pages } from './ogg-page.js';
import { OggStreams, replacementFor, type HeaderPiece } from './ogg-streams.js';

/**
 * Plans the stripped copy of an Ogg Opus, Vorbis or FLAC file: each stream's comment header (tags
 * in any case, the vendor string, METADATA_BLOCK_PICTURE cover art) becomes an empty one of the
 * same length, FLAC pictures and application blocks become padding, and only the pages that carry
 * them are rewritten, with a fresh CRC. Every other page, audio included, is copied byte for byte.
 */
export async function planOgg(src: ByteSource): Promise<Plan> {
  const streams = new OggStreams('ogg');
  const segs: Segment[] = [];
  for await (const p of pages(src, 'ogg')) {
    const pieces = await streams.onPage(src, p);
    if (pieces.length === 0) {
      segs.push({ start: p.start, end: p.end });
      continue;
    }
    const page = Buffer.from(await src.read(p.start, p.end - p.start));
    if (pageCrc(page) !== page.readUInt32LE(22)) throw malformed('ogg', 'a header page whose CRC does not match');
    for (const c of pieces) {
      const off = c.at - p.start;
      if (c.packetOffset === 0) c.stream.replacement = replacementFor(c.stream.codec, c.packetIndex, page.subarray(off, off + c.len), 'ogg');
      const tmpl = c.stream.replacement;
      if (tmpl !== null) for (let i = 0; i < c.len; i++) page[off + i] = tmpl[c.packetOffset + i] ?? 0;
    }
    page.writeUInt32LE(pageCrc(page), 22);
    segs.push(page);
  }
  const durationMs = streams.finish();
  return { segments: segs, info: { kind: 'audio', ...(durationMs !== undefined ? { durationMs } : {}) } };
}

/**
 * Re-parses a stripped Ogg file: every stream is Opus, Vorbis or FLAC, and every byte of its
 * comment header (and FLAC padding) is the empty comment or zero padding, on pages whose CRC holds.
 */
export async function verifyOggOutput(out: ByteSource): Promise<void> {
  await verifying('ogg', async () => {
    const streams = new OggStreams('ogg');
    for await (const p of pages(out, 'ogg')) {
      const pieces = await streams.onPage(out, p);
      if (pieces.length === 0) continue;
      const page = Buffer.from(await out.read(p.start, p.end - p.start));
      if (pageCrc(page) !== page.readUInt32LE(22)) throw verifyFailed('ogg', 'a header page whose CRC does not match');
      for (const c of pieces) if (!isStripped(page, c.at - p.start, c)) throw verifyFailed('ogg', 'a header packet with content');
    }
    streams.finish();
  });
}

/** A header packet is stripped when it already is what the rewriter would make of it. */
function isStripped(page: Buffer, off: number, c: HeaderPiece): boolean {
  if (c.packetOffset === 0) c.stream.replacement = replacementFor(c.stream.codec, c.packetIndex, page.subarray(off, off + c.len), 'ogg');
  const tmpl = c.stream.replacement;
  if (tmpl === null) return true;
  for (let i = 0; i < c.len; i++) if (page[off + i] !== (tmpl[c.packetOffset + i] ?? 0)) return false;
  return true;
}
