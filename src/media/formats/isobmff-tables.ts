import { malformed, unsupported } from '../fail.js';
import { childOf, type Box } from './isobmff-box.js';

// QuickTime's uncompressed sound codecs, whose old files count one audio frame per "sample".
const QT_PCM = new Set(['raw ', 'twos', 'sowt', 'in24', 'in32', 'fl32', 'fl64', 'NONE', 'ulaw', 'alaw']);

/**
 * Where a track's samples live: the byte range of every chunk, as a flat list
 * `[start0, end0, start1, end1, ...]` in table order. Built from stco/co64 (chunk offsets),
 * stsc (samples per chunk) and stsz/stz2 (sample sizes), the tables a demuxer reads; bytes of
 * `mdat` that no kept track's chunk covers are never read by a player.
 */
export function chunkRanges(buf: Buffer, stbl: Box, handler: string, fmt: string): number[] {
  const offsets = chunkOffsets(buf, stbl, fmt);
  const sizes = sampleSizes(buf, stbl, handler, fmt);
  const stsc = childOf(buf, stbl, 'stsc', fmt);
  if (stsc === undefined) throw malformed(fmt, 'a track has no stsc table');
  const n = u32(buf, stsc, 4, fmt);
  if (stsc.body + 8 + n * 12 > stsc.end) throw malformed(fmt, 'stsc is shorter than its entry count');
  const out: number[] = [];
  let sample = 0;
  for (let j = 0; j < n; j++) {
    const at = stsc.body + 8 + j * 12;
    const first = buf.readUInt32BE(at);
    const perChunk = buf.readUInt32BE(at + 4);
    const next = j + 1 < n ? buf.readUInt32BE(at + 12) : offsets.length + 1;
    if (first < 1 || next < first) throw malformed(fmt, 'stsc chunk numbers are out of order');
    for (let c = first; c < next && c <= offsets.length; c++) {
      if (sample + perChunk > sizes.count) throw malformed(fmt, 'stsc lists more samples than stsz');
      const start = offsets[c - 1]!;
      const bytes = sizes.bytes(sample, perChunk);
      sample += perChunk;
      if (bytes > 0) out.push(start, start + bytes);
    }
  }
  return out;
}

function chunkOffsets(buf: Buffer, stbl: Box, fmt: string): number[] {
  const stco = childOf(buf, stbl, 'stco', fmt);
  const co64 = stco === undefined ? childOf(buf, stbl, 'co64', fmt) : undefined;
  const box = stco ?? co64;
  if (box === undefined) throw malformed(fmt, 'a track has no chunk offset table');
  const n = u32(buf, box, 4, fmt);
  const w = stco ? 4 : 8;
  if (box.body + 8 + n * w > box.end) throw malformed(fmt, 'a chunk offset table is shorter than its entry count');
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const at = box.body + 8 + i * w;
    out[i] = stco ? buf.readUInt32BE(at) : Number(buf.readBigUInt64BE(at));
  }
  return out;
}

interface Sizes {
  count: number;
  /** Bytes taken by `n` samples from sample `from` on. */
  bytes(from: number, n: number): number;
}

function sampleSizes(buf: Buffer, stbl: Box, handler: string, fmt: string): Sizes {
  const stsz = childOf(buf, stbl, 'stsz', fmt);
  if (stsz !== undefined) {
    const fixed = u32(buf, stsz, 4, fmt);
    const count = u32(buf, stsz, 8, fmt);
    if (fixed !== 0) {
      const per = fixed === 1 && handler === 'soun' ? legacySoundBytes(buf, stbl, fmt) : (n: number) => n * fixed;
      return { count, bytes: (_from, n) => per(n) };
    }
    if (stsz.body + 12 + count * 4 > stsz.end) throw malformed(fmt, 'stsz is shorter than its sample count');
    return { count, bytes: (from, n) => sum(n, (i) => buf.readUInt32BE(stsz.body + 12 + (from + i) * 4)) };
  }
  const stz2 = childOf(buf, stbl, 'stz2', fmt);
  if (stz2 === undefined) throw malformed(fmt, 'a track has no sample size table');
  const field = buf[stz2.body + 7]!;
  const count = u32(buf, stz2, 8, fmt);
  if (field !== 4 && field !== 8 && field !== 16) throw malformed(fmt, 'stz2 has an invalid field size');
  if (stz2.body + 12 + Math.ceil((count * field) / 8) > stz2.end) throw malformed(fmt, 'stz2 is shorter than its sample count');
  const at = (i: number): number => {
    const base = stz2.body + 12;
    if (field === 16) return buf.readUInt16BE(base + i * 2);
    if (field === 8) return buf[base + i]!;
    const b = buf[base + (i >> 1)]!;
    return i & 1 ? b & 15 : b >> 4;
  };
  return { count, bytes: (from, n) => sum(n, (i) => at(from + i)) };
}

/**
 * Old QuickTime sound tracks write a sample size of 1 and count audio frames, not packets: the
 * bytes come from the sound description. Where it does not say (version 2), we refuse rather
 * than guess, since a wrong guess would zero real audio.
 */
function legacySoundBytes(buf: Buffer, stbl: Box, fmt: string): (n: number) => number {
  const stsd = childOf(buf, stbl, 'stsd', fmt);
  if (stsd === undefined || stsd.end - stsd.body < 8 + 36) throw malformed(fmt, 'a sound track has no sound description');
  if (u32(buf, stsd, 4, fmt) !== 1) throw unsupported(fmt, 'a legacy sound track with several sound descriptions');
  const e = stsd.body + 8;
  const codec = buf.toString('latin1', e + 4, e + 8);
  const version = buf.readUInt16BE(e + 16);
  if (version === 0 && QT_PCM.has(codec)) {
    const frame = (buf.readUInt16BE(e + 24) * buf.readUInt16BE(e + 26)) / 8;
    if (frame > 0 && Number.isInteger(frame)) return (n) => n * frame;
  }
  if (version === 1 && stsd.end - e >= 52) {
    const perPacket = buf.readUInt32BE(e + 36);
    const bytesPerFrame = buf.readUInt32BE(e + 44);
    if (perPacket > 0 && bytesPerFrame > 0) {
      return (n) => {
        const b = (n / perPacket) * bytesPerFrame;
        if (!Number.isInteger(b)) throw unsupported(fmt, 'a legacy sound chunk that is not whole packets');
        return b;
      };
    }
  }
  throw unsupported(fmt, 'a legacy sound track whose byte sizes the sound description does not give');
}

function u32(buf: Buffer, b: Box, off: number, fmt: string): number {
  if (b.body + off + 4 > b.end) throw malformed(fmt, `${b.type} is too short`);
  return buf.readUInt32BE(b.body + off);
}

function sum(n: number, at: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += at(i);
  return s;
}

/** Sorts and merges `[start, end)` pairs (flat list) into disjoint ranges. */
export function mergeRanges(flat: readonly number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const last = out.length - 1;
    if (last > 0 && s <= out[last]!) out[last] = Math.max(out[last]!, e);
    else out.push(s, e);
  }
  return out;
}
