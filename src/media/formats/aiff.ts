import { malformed, truncated, verifyFailed, verifying } from '../fail.js';
import { segmentsLength, type ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';
import { keptChunk, walkRiff } from './riff.js';

// AIFF and AIFF-C (EA IFF 85, big-endian sizes). What a decoder needs stays byte for byte: COMM
// (channels, frames, sample size and rate, AIFF-C's compression type), SSND (the samples) and
// AIFF-C's FVER (format version). Dropped: ID3 (tags, cover art), NAME, AUTH, "(c) ", ANNO, COMT
// (comments with time stamps), APPL (an application's own blob: Logic, Pro Tools), MARK, INST
// (loop points with a tool's names), MIDI, AESD and any chunk we do not know.
const KEEP = new Set(['COMM', 'SSND', 'FVER']);
const BE = { bigEndian: true } as const;

export async function planAiff(src: ByteSource): Promise<Plan> {
  const h = await src.read(0, 12);
  const form = h.subarray(8, 12).toString('latin1');
  if (h.subarray(0, 4).toString('latin1') !== 'FORM' || (form !== 'AIFF' && form !== 'AIFC')) throw malformed('aiff', 'not a FORM AIFF or AIFC file');
  const declared = 8 + h.readUInt32BE(4);
  // As for WAV: a FORM size that was never patched (0, or more than the file) is bounded by the file.
  const formEnd = declared > src.size || declared < 12 ? src.size : declared;
  const keep: Segment[] = [];
  let comm: Buffer | undefined;
  let sawSound = false;
  for await (const c of walkRiff(src, 12, formEnd, 'aiff', undefined, BE)) {
    if (!KEEP.has(c.id)) continue;
    if (c.id === 'COMM') {
      if (comm !== undefined) throw malformed('aiff', 'more than one COMM chunk');
      if (c.size < 18 || (form === 'AIFC' && c.size < 22)) throw malformed('aiff', 'COMM chunk too short');
      comm = Buffer.from(await src.read(c.start + 8, 18));
    }
    if (c.id === 'SSND') {
      if (sawSound) throw malformed('aiff', 'more than one SSND chunk');
      if (c.size < 8) throw malformed('aiff', 'SSND chunk too short');
      sawSound = true;
    }
    for (const seg of keptChunk(c)) keep.push(seg);
  }
  if (comm === undefined) throw malformed('aiff', 'no COMM chunk');
  const frames = comm.readUInt32BE(2);
  // A file of zero frames may leave SSND out; one that declares frames without it has no audio.
  if (!sawSound && frames > 0) throw truncated('aiff', 'no SSND chunk (no audio)');
  const head = Buffer.alloc(12);
  head.write('FORM', 0, 'latin1');
  head.writeUInt32BE(4 + segmentsLength(keep), 4);
  head.write(form, 8, 'latin1');
  const rate = extended80(comm, 8);
  return {
    segments: [head, ...keep],
    info: { kind: 'audio', ...(rate > 0 ? { durationMs: Math.round((frames / rate) * 1000) } : {}) },
  };
}

/** The IEEE 754 80-bit extended float AIFF stores its sample rate in. */
export function extended80(b: Buffer, at: number): number {
  const exp = b.readUInt16BE(at) & 0x7fff;
  const sign = b[at]! & 0x80 ? -1 : 1;
  const hi = b.readUInt32BE(at + 2);
  const lo = b.readUInt32BE(at + 6);
  if (exp === 0 && hi === 0 && lo === 0) return 0;
  if (exp === 0x7fff) return NaN;
  return sign * (hi * 2 ** (exp - 16383 - 31) + lo * 2 ** (exp - 16383 - 63));
}

export async function verifyAiff(out: ByteSource): Promise<void> {
  await verifying('aiff', async () => {
    const h = await out.read(0, 12);
    const form = h.subarray(8, 12).toString('latin1');
    if (h.subarray(0, 4).toString('latin1') !== 'FORM' || (form !== 'AIFF' && form !== 'AIFC')) throw verifyFailed('aiff', 'a bad form type');
    if (8 + h.readUInt32BE(4) !== out.size) throw verifyFailed('aiff', 'a FORM size that does not match');
    let comm = 0;
    for await (const c of walkRiff(out, 12, out.size, 'aiff output', undefined, BE)) {
      if (!KEEP.has(c.id)) throw verifyFailed('aiff', 'a chunk outside the whitelist');
      if (c.padMissing) throw verifyFailed('aiff', 'an odd chunk without its pad byte');
      if (c.id === 'COMM') comm++;
    }
    if (comm !== 1) throw verifyFailed('aiff', 'not exactly one COMM chunk');
  });
}
