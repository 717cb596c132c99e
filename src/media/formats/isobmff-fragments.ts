import { malformed, unsupported, verifyFailed } from '../fail.js';
import { boxesIn, childOf, freeInPlace, type Box } from './isobmff-box.js';

/**
 * Fragmented MP4 (ISO 14496-12 8.8): samples described in `moof/traf/trun` instead of moov's
 * tables. Each kept track's `traf` stays as it is; a dropped track's `traf` becomes a zeroed `free`
 * box, and its samples become zeros in mdat like any byte no kept track reads.
 */

/** What a track fragment's sample sizes fall back to: the `trex` default of its track. */
export type TrackDefaults = Map<number, number>;

/** Boxes kept inside a kept track fragment. Encryption boxes (senc/saiz/saio) are refused. */
const TRAF_KEEP = new Set(['tfhd', 'tfdt', 'trun', 'sbgp', 'sgpd', 'subs', 'sdtp']);
const ENCRYPTED = new Set(['senc', 'saiz', 'saio']);
export const MOOF_KEEP = new Set(['mfhd', 'traf']);
export const MFRA_KEEP = new Set(['tfra', 'mfro']);

const flags = (buf: Buffer, b: Box): number => buf.readUIntBE(b.body + 1, 3);

function need(b: Box, n: number, fmt: string): void {
  if (b.end - b.body < n) throw malformed(fmt, `${b.type} is too short`);
}

/** track_ID of a tkhd, at a version-dependent place. */
export function tkhdTrackId(buf: Buffer, tkhd: Box, fmt: string): number {
  const at = tkhd.body + (buf[tkhd.body] === 1 ? 20 : 12);
  if (at + 4 > tkhd.end) throw malformed(fmt, 'tkhd is too short');
  return buf.readUInt32BE(at);
}

/**
 * The `trex` boxes of mvex: the defaults of the kept tracks are returned, and in `scrub` mode a
 * dropped track's trex becomes `free`; in check mode one is a verification failure.
 */
export function trexDefaults(buf: Buffer, mvex: Box, kept: ReadonlySet<number>, fmt: string, scrub: boolean): TrackDefaults {
  const out: TrackDefaults = new Map();
  for (const b of boxesIn(buf, mvex.body, mvex.end, fmt)) {
    if (b.type !== 'trex') continue;
    need(b, 24, fmt);
    const id = buf.readUInt32BE(b.body + 4);
    if (kept.has(id)) out.set(id, buf.readUInt32BE(b.body + 16));
    else if (scrub) freeInPlace(buf, b);
    else throw verifyFailed(fmt, 'a trex of a dropped track');
  }
  return out;
}

interface Tfhd { trackId: number; base?: number; moofBase: boolean; defaultSize?: number }

function parseTfhd(buf: Buffer, b: Box, fmt: string): Tfhd {
  need(b, 8, fmt);
  const f = flags(buf, b);
  let at = b.body + 8;
  const t: Tfhd = { trackId: buf.readUInt32BE(b.body + 4), moofBase: (f & 0x020000) !== 0 };
  const take = (n: number): number => {
    if (at + n > b.end) throw malformed(fmt, 'tfhd is shorter than its flags say');
    const v = n === 8 ? Number(buf.readBigUInt64BE(at)) : buf.readUInt32BE(at);
    at += n;
    return v;
  };
  if (f & 0x01) t.base = take(8);
  if (f & 0x02) take(4);
  if (f & 0x08) take(4);
  if (f & 0x10) t.defaultSize = take(4);
  return t;
}

/** One trun's data offset (if it has one) and the bytes its samples take, laid end to end. */
function trunRuns(buf: Buffer, trun: Box, defaultSize: number, fmt: string): { offset?: number; bytes: number } {
  need(trun, 8, fmt);
  const f = flags(buf, trun);
  const count = buf.readUInt32BE(trun.body + 4);
  let at = trun.body + 8;
  let offset: number | undefined;
  if (f & 0x01) {
    offset = buf.readInt32BE(at);
    at += 4;
  }
  if (f & 0x04) at += 4;
  const per = ((f & 0x100) ? 4 : 0) + ((f & 0x200) ? 4 : 0) + ((f & 0x400) ? 4 : 0) + ((f & 0x800) ? 4 : 0);
  if (at + count * per > trun.end) throw malformed(fmt, 'trun is shorter than its sample count');
  let bytes = 0;
  if ((f & 0x200) === 0) bytes = count * defaultSize;
  else {
    const sizeAt = at + ((f & 0x100) ? 4 : 0);
    for (let i = 0; i < count; i++) bytes += buf.readUInt32BE(sizeAt + i * per);
  }
  return { ...(offset !== undefined ? { offset } : {}), bytes };
}

/**
 * The file ranges the kept tracks' samples take in one `moof` (held in `buf`, starting at file
 * offset `moofAt`), following the base-offset rules: an explicit base-data-offset, else the
 * moof's first byte with default-base-is-moof or for the first traf, else (implicit) where the
 * previous traf's data ended. In `scrub` mode dropped trafs and unknown boxes become `free`; in
 * check mode they fail verification. A kept traf whose implicit base depends on a dropped one
 * is refused: once that one is `free`, a player would look for the data elsewhere.
 */
export function fragmentRanges(buf: Buffer, moof: Box, moofAt: number, kept: ReadonlySet<number>, defaults: TrackDefaults, fmt: string, scrub: boolean): number[] {
  const ranges: number[] = [];
  let prevEnd = moofAt;
  let first = true;
  let droppedBefore = false;
  for (const b of boxesIn(buf, moof.body, moof.end, fmt)) {
    if (!MOOF_KEEP.has(b.type)) {
      if (scrub) freeInPlace(buf, b);
      else if (b.type !== 'free' || buf.subarray(b.body, b.end).some((x) => x !== 0)) throw verifyFailed(fmt, 'a box outside the allowlist in moof');
      continue;
    }
    if (b.type !== 'traf') continue;
    const tfhdBox = childOf(buf, b, 'tfhd', fmt);
    if (tfhdBox === undefined) throw malformed(fmt, 'a traf without tfhd');
    const t = parseTfhd(buf, tfhdBox, fmt);
    const keep = kept.has(t.trackId);
    const implicit = t.base === undefined && !t.moofBase;
    const base = t.base ?? (t.moofBase || first ? moofAt : prevEnd);
    if (keep && implicit && !first && droppedBefore) throw unsupported(fmt, 'a fragment whose implicit data offset follows a dropped track');
    let runEnd = base;
    let firstRun = true;
    for (const c of boxesIn(buf, b.body, b.end, fmt)) {
      if (ENCRYPTED.has(c.type) && keep) throw unsupported(fmt, 'encrypted fragments');
      if (c.type !== 'trun') continue;
      const r = trunRuns(buf, c, t.defaultSize ?? defaults.get(t.trackId) ?? 0, fmt);
      const start = r.offset !== undefined ? base + r.offset : firstRun ? base : runEnd;
      if (start < 0) throw malformed(fmt, 'a trun data offset before the start of the file');
      if (keep && r.bytes > 0) ranges.push(start, start + r.bytes);
      runEnd = start + r.bytes;
      firstRun = false;
    }
    prevEnd = runEnd;
    first = false;
    if (!keep) {
      droppedBefore = true;
      if (scrub) freeInPlace(buf, b);
      else throw verifyFailed(fmt, 'a track fragment of a dropped track');
      continue;
    }
    for (const c of boxesIn(buf, b.body, b.end, fmt)) {
      if (TRAF_KEEP.has(c.type)) continue;
      if (scrub) freeInPlace(buf, c);
      else if (c.type !== 'free' || buf.subarray(c.body, c.end).some((x) => x !== 0)) throw verifyFailed(fmt, 'a box outside the allowlist in traf');
    }
  }
  return ranges;
}

/** mfra's random-access tables: a dropped track's `tfra` becomes `free` (or fails the check). */
export function scrubMfra(buf: Buffer, mfra: Box, kept: ReadonlySet<number>, fmt: string, scrub: boolean): void {
  for (const b of boxesIn(buf, mfra.body, mfra.end, fmt)) {
    const zeroFree = b.type === 'free' && !buf.subarray(b.body, b.end).some((x) => x !== 0);
    let ok = MFRA_KEEP.has(b.type) || zeroFree;
    if (b.type === 'tfra') {
      need(b, 8, fmt);
      ok = kept.has(buf.readUInt32BE(b.body + 4));
    }
    if (ok) continue;
    if (scrub) freeInPlace(buf, b);
    else throw verifyFailed(fmt, 'a box outside the allowlist in mfra');
  }
}
