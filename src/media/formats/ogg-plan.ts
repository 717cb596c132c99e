import { malformed, verifyFailed, verifying } from '../fail.js';
import type { ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';
import { pageCrc, pages } from './ogg-page.js';
import { checkSignature, emptyComment, OggStreams, type CommentPiece } from './ogg-streams.js';

/**
 * Plans the stripped copy of an Ogg Opus or Vorbis file: each stream's comment header (tags in
 * any case, the vendor string, METADATA_BLOCK_PICTURE cover art) becomes an empty one of the same
 * length, and only the pages that carry it are rewritten, with a fresh CRC. Every other page,
 * audio included, is copied byte for byte.
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
      checkSignature(page, off, c, 'ogg');
      const tmpl = emptyComment(c.codec);
      for (let i = 0; i < c.len; i++) page[off + i] = tmpl[c.packetOffset + i] ?? 0;
    }
    page.writeUInt32LE(pageCrc(page), 22);
    segs.push(page);
  }
  const durationMs = streams.finish();
  return { segments: segs, info: { kind: 'audio', ...(durationMs !== undefined ? { durationMs } : {}) } };
}

/**
 * Re-parses a stripped Ogg file: every stream is Opus or Vorbis, and every byte of its comment
 * header is the empty comment or zero padding, on pages whose CRC holds.
 */
export async function verifyOggOutput(out: ByteSource): Promise<void> {
  await verifying('ogg', async () => {
    const streams = new OggStreams('ogg');
    for await (const p of pages(out, 'ogg')) {
      const pieces = await streams.onPage(out, p);
      if (pieces.length === 0) continue;
      const page = Buffer.from(await out.read(p.start, p.end - p.start));
      if (pageCrc(page) !== page.readUInt32LE(22)) throw verifyFailed('ogg', 'a header page whose CRC does not match');
      for (const c of pieces) if (!isEmptyComment(page, c.at - p.start, c)) throw verifyFailed('ogg', 'a comment header with content');
    }
    streams.finish();
  });
}

function isEmptyComment(page: Buffer, off: number, c: CommentPiece): boolean {
  const tmpl = emptyComment(c.codec);
  for (let i = 0; i < c.len; i++) if (page[off + i] !== (tmpl[c.packetOffset + i] ?? 0)) return false;
  return true;
}
