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

/** An IFF chunk: big-endian size, a pad byte after an odd payload unless `noPad`. */
export function iffChunk(id: string, body: Buffer, noPad = false): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body, body.length & 1 && !noPad ? Buffer.alloc(1) : Buffer.alloc(0)]);
}
export function form(type: 'AIFF' | 'AIFC', chunks: Buffer[], declared?: number): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), ...chunks]);
  return Buffer.concat([Buffer.from('FORM', 'latin1'), u32(declared ?? body.length), body]);
}
/** 44.1 kHz as an 80-bit extended float, as AIFF writes it. */
export const RATE_44100 = Buffer.from([0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]);
export function aiffComm(frames: number): Buffer {
  return iffChunk('COMM', Buffer.concat([u16(1), u32(frames), u16(16), RATE_44100]));
}
export function aiffSsnd(frames: number): Buffer {
  const pcm = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) pcm.writeInt16BE(Math.round(8000 * Math.sin(i / 7)), i * 2);
  return iffChunk('SSND', Buffer.concat([u32(0), u32(0), pcm]));
}
