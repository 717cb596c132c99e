import { malformed, truncated } from '../fail.js';
import type { ByteSource } from '../source.js';
import type { Segment } from '../types.js';

export interface RiffChunk {
  id: string;
  /** offset of the 8-byte chunk header */
  start: number;
  /** declared payload size (for RF64 `data`, the 64-bit size from ds64) */
  size: number;
  /** end including the pad byte, where the file has one */
  end: number;
  /** An odd-sized chunk whose writer left out the pad byte (the next chunk starts right after it). */
  padMissing: boolean;
}

export interface WalkOptions {
  /** AIFF/AIFF-C (EA IFF 85) sizes are big-endian; RIFF's are little-endian. */
  bigEndian?: boolean;
}

const CHUNK_ID = /^[\x20-\x7e]{4}$/;

/**
 * Walks the chunks of a RIFF-style body between `from` and `to`. `sizeOf` lets RF64/BW64 replace a
 * 0xFFFFFFFF placeholder with its 64-bit size. A chunk that claims more than the file holds is
 * truncation (recorders that crash leave exactly that).
 *
 * Tolerated without guessing: an odd-sized chunk without its pad byte. The pad byte must be zero,
 * so when the byte after an odd chunk is not zero and a well-formed chunk header starts exactly
 * there, the writer skipped the pad; any other layout still fails as before.
 */
export async function* walkRiff(
  src: ByteSource,
  from: number,
  to: number,
  fmt: string,
  sizeOf?: (id: string, declared: number) => number,
  opts: WalkOptions = {},
): AsyncGenerator<RiffChunk> {
  let pos = from;
  while (pos < to) {
    if (pos + 8 > to) {
      // A lone pad or junk byte at the very end is tolerated only if it is zero padding.
      const rest = await src.read(pos, to - pos);
      if (rest.every((x) => x === 0)) return;
      throw malformed(fmt, 'chunk header runs past the end');
    }
    const h = await src.read(pos, 8);
    const id = h.subarray(0, 4).toString('latin1');
    if (!CHUNK_ID.test(id)) throw malformed(fmt, 'bad chunk id');
    let size = opts.bigEndian ? h.readUInt32BE(4) : h.readUInt32LE(4);
    if (sizeOf) size = sizeOf(id, size);
    if (pos + 8 + size > to) throw truncated(fmt, 'chunk runs past the end of the file');
    const dataEnd = pos + 8 + size;
    let padMissing = (size & 1) === 1 && dataEnd === to;
    if ((size & 1) === 1 && dataEnd < to) padMissing = await startsChunkUnpadded(src, dataEnd, to);
    const end = (size & 1) === 1 && !padMissing ? dataEnd + 1 : dataEnd;
    yield { id, start: pos, size, end, padMissing };
    pos = end;
  }
}

async function startsChunkUnpadded(src: ByteSource, at: number, to: number): Promise<boolean> {
  if (at + 8 > to) return false;
  const h = await src.read(at, 8);
  return h[0] !== 0 && CHUNK_ID.test(h.subarray(0, 4).toString('latin1'));
}

const PAD = Buffer.alloc(1);

/** A kept chunk as output segments: copied verbatim, with the pad byte its writer left out added back. */
export function keptChunk(c: RiffChunk): Segment[] {
  return c.padMissing ? [{ start: c.start, end: c.end }, PAD] : [{ start: c.start, end: c.end }];
}
