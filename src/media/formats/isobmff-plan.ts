import { malformed, truncated, unsupported } from '../fail.js';
import type { ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';
import { boxesIn, childOf, freeHeader, freeInPlace, timesOf, topLevelBoxes, type Box } from './isobmff-box.js';
import { fragmentRanges, scrubMfra, tkhdTrackId, trexDefaults, type TrackDefaults } from './isobmff-fragments.js';
import { COMPRESSOR_NAME, FRAGMENT_VERBATIM, HANDLER_NAME_AT, KEEP, PADDING, realTrack, TIMED } from './isobmff-rules.js';
import { chunkRanges, mergeRanges } from './isobmff-tables.js';

/** moov is held in memory to be edited; past this it is refused rather than risk the heap. */
export const MAX_MOOV = 256 * 1024 * 1024;
const ZEROS = Buffer.alloc(1024 * 1024);

/**
 * Plans the stripped copy of an MP4, MOV, M4A or 3GP file, fragmented or not, without moving a byte: the output has
 * the input's size and layout, so every chunk offset stays valid (faststart and moov-at-end
 * alike). Inside moov, dropped boxes and tracks become zeroed `free` boxes and times are zeroed;
 * in mdat, every byte that no kept audio or video chunk covers (a dropped track's samples: GPS
 * telemetry, cover art, subtitles, timecode) becomes zero; other top-level boxes become `free`.
 */
export async function planBmff(src: ByteSource, fmt: string): Promise<Plan> {
  const top = await topLevelBoxes(src, fmt);
  const moovs = top.filter((b) => b.type === 'moov');
  if (moovs.length === 0) throw truncated(fmt, 'no moov box (a recording that was never finalised?)');
  if (moovs.length > 1) throw malformed(fmt, 'more than one moov box');
  const mb = moovs[0]!;
  if (mb.end - mb.start > MAX_MOOV) throw unsupported(fmt, 'a moov box larger than 256 MiB');
  const moov = Buffer.from(await src.read(mb.start, mb.end - mb.start));
  const scrubbed = scrubMoov(moov, { type: 'moov', start: 0, body: mb.body - mb.start, end: moov.length }, fmt);
  if (scrubbed.tracks === 0) throw unsupported(fmt, 'no audio or video track');
  // Fragments: each moof and mfra is held (a few KiB each) and edited like moov.
  const edited = new Map<Box, Buffer>();
  for (const b of top) {
    if (b.type !== 'moof' && b.type !== 'mfra') continue;
    if (b.end - b.start > MAX_MOOV) throw unsupported(fmt, `a ${b.type} box larger than 256 MiB`);
    const buf = Buffer.from(await src.read(b.start, b.end - b.start));
    const local = { type: b.type, start: 0, body: b.body - b.start, end: buf.length };
    if (b.type === 'moof') {
      if (scrubbed.defaults === undefined) throw malformed(fmt, 'a moof without mvex in moov');
      for (const x of fragmentRanges(buf, local, b.start, scrubbed.trackIds, scrubbed.defaults, fmt, true)) scrubbed.ranges.push(x);
    } else scrubMfra(buf, local, scrubbed.trackIds, fmt, true);
    edited.set(b, buf);
  }
  const kept = mergeRanges(scrubbed.ranges);
  const mdats = top.filter((b) => b.type === 'mdat');
  for (let i = 0; i < kept.length; i += 2) {
    if (!mdats.some((m) => kept[i]! >= m.body && kept[i + 1]! <= m.end)) throw unsupported(fmt, 'samples outside an mdat box');
  }
  const segs: Segment[] = [];
  for (const b of top) {
    if (b.type === 'moov') segs.push(moov);
    else if (edited.has(b)) segs.push(edited.get(b)!);
    else if (b.type === 'ftyp' || FRAGMENT_VERBATIM.has(b.type)) segs.push({ start: b.start, end: b.end });
    else if (b.type === 'mdat') {
      segs.push({ start: b.start, end: b.body });
      let at = b.body;
      for (let i = 0; i < kept.length; i += 2) {
        const s = kept[i]!;
        const e = kept[i + 1]!;
        if (e <= b.body || s >= b.end) continue;
        pushZeros(segs, s - at);
        segs.push({ start: s, end: e });
        at = e;
      }
      pushZeros(segs, b.end - at);
    } else {
      segs.push(PADDING.has(b.type) ? { start: b.start, end: b.body } : freeHeader(b));
      pushZeros(segs, b.end - b.body);
    }
  }
  return { segments: segs, info: scrubbed.info };
}

function pushZeros(segs: Segment[], n: number): void {
  for (let left = n; left > 0; left -= ZEROS.length) segs.push(ZEROS.subarray(0, Math.min(left, ZEROS.length)));
}

interface Scrubbed {
  tracks: number;
  /** track_IDs of the kept tracks */
  trackIds: Set<number>;
  /** trex default sample sizes of the kept tracks, when the file is fragmented (moov has mvex) */
  defaults?: TrackDefaults;
  ranges: number[];
  info: Plan['info'];
}

/** Edits moov in place; returns the chunk ranges of the kept tracks and facts about them. */
function scrubMoov(buf: Buffer, moov: Box, fmt: string): Scrubbed {
  const out: Scrubbed = { tracks: 0, trackIds: new Set(), ranges: [], info: { kind: 'audio' } };
  let video = false;
  let mvex: Box | undefined;
  for (const b of boxesIn(buf, moov.body, moov.end, fmt)) {
    if (b.type === 'mvhd') {
      const { at, len } = timesOf(buf, b, fmt);
      const scale = buf.readUInt32BE(at + len);
      const dur = len === 16 ? Number(buf.readBigUInt64BE(at + len + 4)) : buf.readUInt32BE(at + len + 4);
      if (scale > 0 && dur > 0 && dur !== 0xffffffff) out.info.durationMs = Math.round((dur / scale) * 1000);
    }
    if (b.type === 'mvex') mvex = b;
    if (b.type !== 'trak') {
      if (KEEP.moov!.has(b.type)) scrubBox(buf, b, fmt, '');
      else freeInPlace(buf, b);
      continue;
    }
    const handler = realTrack(buf, b, fmt);
    if (handler === undefined) {
      freeInPlace(buf, b);
      continue;
    }
    if (handler === 'vide' && !video) {
      video = true;
      out.info = { ...out.info, kind: 'video', ...videoFacts(buf, b, fmt) };
    }
    // Ranges are read before the scrub: it never touches the tables, but reading first keeps that obvious.
    const stbl = findPath(buf, b, ['mdia', 'minf', 'stbl'], fmt);
    // A loop, not push(...): an hour of video has more chunks than a call may take arguments.
    for (const x of chunkRanges(buf, stbl, handler, fmt)) out.ranges.push(x);
    const tkhd = childOf(buf, b, 'tkhd', fmt);
    if (tkhd === undefined) throw malformed(fmt, 'a track has no tkhd box');
    out.trackIds.add(tkhdTrackId(buf, tkhd, fmt));
    scrubBox(buf, b, fmt, handler);
    out.tracks++;
  }
  // After every trak is judged (mvex may come first): a dropped track's trex goes too.
  if (mvex !== undefined) out.defaults = trexDefaults(buf, mvex, out.trackIds, fmt, true);
  return out;
}

/** Applies the allowlist below `box` and blanks the free-text and time fields of what stays. */
function scrubBox(buf: Buffer, box: Box, fmt: string, handler: string): void {
  if (TIMED.has(box.type)) {
    const { at, len } = timesOf(buf, box, fmt);
    buf.fill(0, at, at + len);
  }
  if (box.type === 'hdlr') buf.fill(0, Math.min(box.body + HANDLER_NAME_AT, box.end), box.end);
  if (box.type === 'dref') checkDref(buf, box, fmt);
  if (box.type === 'stsd' && handler === 'vide') blankCompressorNames(buf, box, fmt);
  const keep = KEEP[box.type];
  if (keep === undefined) return;
  for (const c of boxesIn(buf, box.body, box.end, fmt)) {
    if (keep.has(c.type)) scrubBox(buf, c, fmt, handler);
    else freeInPlace(buf, c);
  }
}

/** A data reference must point into this file: a track whose samples live elsewhere is refused. */
function checkDref(buf: Buffer, dref: Box, fmt: string): void {
  for (const e of boxesIn(buf, dref.body + 8, dref.end, fmt)) {
    if (e.end - e.body < 4 || (buf[e.body + 3]! & 1) === 0) throw unsupported(fmt, 'a track whose samples live in another file');
    // Self-contained entries carry no location; zero whatever a writer left there.
    buf.fill(0, e.body + 4, e.end);
  }
}

/** The compressor name is free text (camera or app names) that no decoder reads. */
function blankCompressorNames(buf: Buffer, stsd: Box, fmt: string): void {
  for (const e of boxesIn(buf, stsd.body + 8, stsd.end, fmt)) {
    if (e.end - e.start >= COMPRESSOR_NAME.at + COMPRESSOR_NAME.len) buf.fill(0, e.start + COMPRESSOR_NAME.at, e.start + COMPRESSOR_NAME.at + COMPRESSOR_NAME.len);
  }
}

function findPath(buf: Buffer, from: Box, types: string[], fmt: string): Box {
  let at = from;
  for (const t of types) {
    const next = childOf(buf, at, t, fmt);
    if (next === undefined) throw malformed(fmt, `a track has no ${t} box`);
    at = next;
  }
  return at;
}

/** Coded size from the first visual sample entry; rotation from the track header's matrix. */
function videoFacts(buf: Buffer, trak: Box, fmt: string): { width?: number; height?: number; rotation?: number } {
  const facts: { width?: number; height?: number; rotation?: number } = {};
  const stsd = childOf(buf, findPath(buf, trak, ['mdia', 'minf', 'stbl'], fmt), 'stsd', fmt);
  if (stsd !== undefined && stsd.end - stsd.body >= 8 + 36) {
    const e = stsd.body + 8;
    facts.width = buf.readUInt16BE(e + 32);
    facts.height = buf.readUInt16BE(e + 34);
  }
  const tkhd = childOf(buf, trak, 'tkhd', fmt);
  if (tkhd !== undefined) {
    const m = tkhd.body + (buf[tkhd.body] === 1 ? 52 : 40);
    if (m + 8 <= tkhd.end) {
      // The matrix turns counter-clockwise for a positive angle; we report clockwise degrees, as
      // ffmpeg's `rotate` tag and phones mean them.
      const deg = Math.round((Math.atan2(buf.readInt32BE(m + 4), buf.readInt32BE(m)) * 180) / Math.PI);
      const rotation = (((-deg % 360) + 360) % 360);
      if (rotation !== 0) facts.rotation = rotation;
    }
  }
  return facts;
}
