import { malformed, truncated } from '../fail.js';
import type { ByteSource } from '../source.js';

export interface RiffChunk {
  id: string;
  /** offset of the 8-byte chunk header */
  start: number;
  /** declared payload size (for RF64 `data`, the 64-bit size from ds64) */
  size: number;
  /** end including the pad byte */
  end: number;
}

/**
 * Walks the chunks of a RIFF-style body between `from` and `to`. `sizeOf` lets RF64/BW64 replace a
 * 0xFFFFFFFF placeholder with its 64-bit size. A chunk that claims more than the file holds is
 * truncation (recorders that crash leave exactly that).
 */
export async function* walkRiff(
  src: ByteSource,
  from: number,
  to: number,
  fmt: string,
  sizeOf?: (id: string, declared: number) => number,
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
    if (!/^[\x20-\x7e]{4}$/.test(id)) throw malformed(fmt, 'bad chunk id');
    let size = h.readUInt32LE(4);
    if (sizeOf) size = sizeOf(id, size);
    const end = pos + 8 + size + (size & 1);
    if (pos + 8 + size > to) throw truncated(fmt, 'chunk runs past the end of the file');
    yield { id, start: pos, size, end: Math.min(end, to) };
    pos = end;
  }
}
