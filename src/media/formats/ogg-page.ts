import { malformed, truncated, unsupported } from '../fail.js';
import type { ByteSource } from '../source.js';

// Ogg's CRC-32: polynomial 0x04c11db7, MSB first, initial value 0, no final XOR (RFC 3533).
const TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let r = i << 24;
  for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  TABLE[i] = r >>> 0;
}

/** The CRC of a whole page, computed with its own CRC field (bytes 22-25) taken as zero. */
export function pageCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const b = i >= 22 && i < 26 ? 0 : page[i]!;
    crc = ((crc << 8) ^ TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  }
  return crc;
}

/** One page's header facts; the body is `[body, end)` and `lacing` splits it into packet pieces. */
export interface Page {
  start: number;
  body: number;
  end: number;
  flags: number;
  granule: bigint;
  serial: number;
  lacing: Buffer;
}

export const BOS = 0x02;
export const CONTINUED = 0x01;

/** Walks the pages of an Ogg file from the first byte; anything between or after pages is refused. */
export async function* pages(src: ByteSource, fmt: string): AsyncGenerator<Page> {
  let pos = 0;
  while (pos < src.size) {
    const left = src.size - pos;
    if (left < 4 || (await src.read(pos, 4)).toString('latin1') !== 'OggS') throw malformed(fmt, 'bytes that are not an Ogg page');
    if (left < 27) throw truncated(fmt, 'a page header runs past the end of the file');
    const h = await src.read(pos, 27);
    if (h[4] !== 0) throw unsupported(fmt, 'an Ogg page version other than 0');
    const flags = h[5]!;
    const granule = h.readBigInt64LE(6);
    const serial = h.readUInt32LE(14);
    const nseg = h[26]!;
    if (pos + 27 + nseg > src.size) throw truncated(fmt, 'a lacing table runs past the end of the file');
    const lacing = Buffer.from(await src.read(pos + 27, nseg));
    let len = 0;
    for (const l of lacing) len += l;
    const body = pos + 27 + nseg;
    if (body + len > src.size) throw truncated(fmt, 'a page runs past the end of the file');
    yield { start: pos, body, end: body + len, flags, granule, serial, lacing };
    pos = body + len;
  }
}
