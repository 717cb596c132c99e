/**
 * Segments batch many small business objects into one stored object: one file write per batch
 * instead of one per record (measured here: one small file per record manages 1,400-3,900
 * files/s). A segment is immutable once written; each object inside is encrypted on its own,
 * under its own subject's key, so erasing one subject needs no rewrite of the segment.
 *
 * Layout: magic `SNDRSEG1`, then frames of `u32 BE length || object bytes`. The vault records
 * each object's offset and length, so a reader fetches one object by range.
 */
import { SunderError } from '../errors.js';

export const SEGMENT_MAGIC = Buffer.from('SNDRSEG1', 'latin1');

export class SegmentBuilder {
  private readonly parts: Buffer[] = [SEGMENT_MAGIC];
  private size = SEGMENT_MAGIC.length;

  /** Appends one object and returns where its bytes start in the segment. */
  append(object: Uint8Array): { offset: number; length: number } {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(object.byteLength, 0);
    this.parts.push(len, Buffer.from(object.buffer, object.byteOffset, object.byteLength));
    const offset = this.size + 4;
    this.size += 4 + object.byteLength;
    return { offset, length: object.byteLength };
  }

  get bytes(): number {
    return this.size;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

/** Every object in a segment, in order; throws STORE_CORRUPT on a torn or foreign segment. */
export function* readSegment(segment: Uint8Array): Generator<{ offset: number; bytes: Uint8Array }> {
  const buf = Buffer.from(segment.buffer, segment.byteOffset, segment.byteLength);
  if (buf.length < SEGMENT_MAGIC.length || !buf.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) {
    throw new SunderError('STORE_CORRUPT', 'segment does not start with the SNDRSEG1 magic');
  }
  let pos = SEGMENT_MAGIC.length;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new SunderError('STORE_CORRUPT', 'segment ends inside a frame length');
    const len = buf.readUInt32BE(pos);
    if (pos + 4 + len > buf.length) throw new SunderError('STORE_CORRUPT', 'segment ends inside a frame');
    yield { offset: pos + 4, bytes: buf.subarray(pos + 4, pos + 4 + len) };
    pos += 4 + len;
  }
}
