import type { ByteSource } from '../../src/media/source.js';
import type { Segment } from '../../src/media/types.js';

/** A file held in memory, for the rewriters' unit tests (no ffmpeg needed). */
export function bufferSource(b: Buffer): ByteSource {
  return {
    size: b.length,
    read: async (pos, len) => {
      if (pos < 0 || len < 0 || pos + len > b.length) throw Object.assign(new Error('past end'), { code: 'MEDIA_TRUNCATED' });
      return b.subarray(pos, pos + len);
    },
  };
}

/** The output a plan describes, as one buffer. */
export function materialise(segments: readonly Segment[], input: Buffer): Buffer {
  return Buffer.concat(segments.map((s) => (Buffer.isBuffer(s) ? s : input.subarray(s.start, s.end))));
}

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
export function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
