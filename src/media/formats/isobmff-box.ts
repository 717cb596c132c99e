import { malformed, truncated } from '../fail.js';
import type { ByteSource } from '../source.js';

/** One ISO-BMFF box: `start` is its first header byte, `body` the first payload byte, `end` one past it. */
export interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
}

/**
 * The boxes laid end to end in `buf[from, to)`. A size of 0 means "to the end of the parent"; a
 * size of 1 means a 64-bit size follows the type. Any box that does not fit its parent throws.
 */
export function* boxesIn(buf: Buffer, from: number, to: number, fmt: string): Generator<Box> {
  let pos = from;
  while (pos < to) {
    if (pos + 8 > to) throw malformed(fmt, 'a box header runs past its parent');
    let size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    let hdr = 8;
    if (size === 1) {
      if (pos + 16 > to) throw malformed(fmt, 'a large box header runs past its parent');
      size = Number(buf.readBigUInt64BE(pos + 8));
      hdr = 16;
    } else if (size === 0) size = to - pos;
    if (size < hdr || pos + size > to) throw malformed(fmt, 'a box size does not fit its parent');
    yield { type, start: pos, body: pos + hdr, end: pos + size };
    pos += size;
  }
}

/** The top-level boxes of a file, read header by header (payloads are never loaded). */
export async function topLevelBoxes(src: ByteSource, fmt: string): Promise<Box[]> {
  const out: Box[] = [];
  let pos = 0;
  while (pos < src.size) {
    if (pos + 8 > src.size) throw truncated(fmt, 'a box header runs past the end of the file');
    const h = await src.read(pos, Math.min(16, src.size - pos));
    let size = h.readUInt32BE(0);
    const type = h.toString('latin1', 4, 8);
    let hdr = 8;
    if (size === 1) {
      if (h.length < 16) throw truncated(fmt, 'a large box header runs past the end of the file');
      size = Number(h.readBigUInt64BE(8));
      hdr = 16;
    } else if (size === 0) size = src.size - pos;
    if (size < hdr) throw malformed(fmt, 'a box is smaller than its header');
    if (pos + size > src.size) throw truncated(fmt, 'a box runs past the end of the file');
    out.push({ type, start: pos, body: pos + hdr, end: pos + size });
    pos += size;
  }
  return out;
}

/** The first child of `type`, if any. */
export function childOf(buf: Buffer, parent: Box, type: string, fmt: string, skip = 0): Box | undefined {
  for (const b of boxesIn(buf, parent.body + skip, parent.end, fmt)) if (b.type === type) return b;
  return undefined;
}

/** Follows a path of box types down from `parent` (e.g. ['mdia', 'minf', 'stbl']). */
export function pathOf(buf: Buffer, parent: Box, types: readonly string[], fmt: string): Box | undefined {
  let at: Box | undefined = parent;
  for (const t of types) {
    if (at === undefined) return undefined;
    at = childOf(buf, at, t, fmt);
  }
  return at;
}

/** Turns a box into a `free` box of the same size with a zeroed payload: nothing after it moves. */
export function freeInPlace(buf: Buffer, b: Box): void {
  buf.write('free', b.start + 4, 'latin1');
  buf.fill(0, b.body, b.end);
}

/** The header of a `free` box covering `b`, for a box that is not held in memory. */
export function freeHeader(b: Box): Buffer {
  const h = Buffer.alloc(b.body - b.start);
  if (h.length === 16) {
    h.writeUInt32BE(1, 0);
    h.writeBigUInt64BE(BigInt(b.end - b.start), 8);
  } else {
    // Only a box that said "to the end of the file" (size 0) can be this large with a short header.
    const size = b.end - b.start;
    h.writeUInt32BE(size > 0xffffffff ? 0 : size, 0);
  }
  h.write('free', 4, 'latin1');
  return h;
}

/** A handler box's four-character handler type (`vide`, `soun`, `meta`, `text`, `tmcd`...). */
export function handlerType(buf: Buffer, hdlr: Box, fmt: string): string {
  // fullbox(4) pre_defined/component type(4) handler_type(4)
  if (hdlr.end - hdlr.body < 12) throw malformed(fmt, 'a handler box is too short');
  return buf.toString('latin1', hdlr.body + 8, hdlr.body + 12);
}

/** Offsets of the creation and modification times in an mvhd/tkhd/mdhd payload, with their width. */
export function timesOf(buf: Buffer, b: Box, fmt: string): { at: number; len: number } {
  const v = buf[b.body];
  const len = v === 1 ? 16 : 8;
  if (b.end - b.body < 4 + len + 8) throw malformed(fmt, `${b.type} is too short`);
  return { at: b.body + 4, len };
}
