import { verifyFailed, verifying } from '../fail.js';
import type { ByteSource } from '../source.js';
import { boxesIn, timesOf, topLevelBoxes, type Box } from './isobmff-box.js';
import { fragmentRanges, scrubMfra, tkhdTrackId, trexDefaults } from './isobmff-fragments.js';
import { COMPRESSOR_NAME, HANDLER_NAME_AT, KEEP, PADDING, realTrack, TIMED, TOP } from './isobmff-rules.js';
import { chunkRanges, mergeRanges } from './isobmff-tables.js';

/**
 * Re-parses a stripped ISO-BMFF file and fails unless only the allowlisted boxes remain: real
 * audio and video tracks, zeroed times, empty handler and compressor names, zeroed padding, and
 * not one non-zero byte in mdat outside the kept tracks' chunks. Replaces the ffprobe check.
 */
export async function verifyBmffOutput(out: ByteSource, fmt: string): Promise<void> {
  await verifying(fmt, async () => {
    const top = await topLevelBoxes(out, fmt);
    const moovs = top.filter((b) => b.type === 'moov');
    if (moovs.length !== 1) throw verifyFailed(fmt, 'not exactly one moov box');
    for (const b of top) {
      if (!TOP.has(b.type)) throw verifyFailed(fmt, 'a top-level box outside the allowlist');
      if (PADDING.has(b.type)) await expectZeros(out, b.body, b.end, fmt, 'a padding box with content');
    }
    const mb = moovs[0]!;
    const moov = Buffer.from(await out.read(mb.start, mb.end - mb.start));
    const ranges: number[] = [];
    let tracks = 0;
    const trackIds = new Set<number>();
    let mvex: Box | undefined;
    const walk = (parent: Box, handler: string): void => {
      const keep = KEEP[parent.type]!;
      for (const b of boxesIn(moov, parent.body, parent.end, fmt)) {
        if (PADDING.has(b.type)) {
          if (!isZero(moov.subarray(b.body, b.end))) throw verifyFailed(fmt, 'a padding box with content');
          continue;
        }
        if (!keep.has(b.type)) throw verifyFailed(fmt, 'a box outside the allowlist');
        let h = handler;
        if (b.type === 'trak') {
          const real = realTrack(moov, b, fmt);
          if (real === undefined) throw verifyFailed(fmt, 'a track that is not real audio or video');
          h = real;
          tracks++;
          const tkhd = [...boxesIn(moov, b.body, b.end, fmt)].find((c) => c.type === 'tkhd');
          if (tkhd === undefined) throw verifyFailed(fmt, 'a track without tkhd');
          trackIds.add(tkhdTrackId(moov, tkhd, fmt));
        }
        if (b.type === 'mvex') mvex = b;
        if (TIMED.has(b.type)) {
          const { at, len } = timesOf(moov, b, fmt);
          if (!isZero(moov.subarray(at, at + len))) throw verifyFailed(fmt, 'a creation or modification time');
        }
        if (b.type === 'hdlr' && !isZero(moov.subarray(Math.min(b.body + HANDLER_NAME_AT, b.end), b.end))) throw verifyFailed(fmt, 'a handler name');
        if (b.type === 'dref') {
          for (const e of boxesIn(moov, b.body + 8, b.end, fmt)) {
            if ((moov[e.body + 3]! & 1) === 0 || !isZero(moov.subarray(e.body + 4, e.end))) throw verifyFailed(fmt, 'an external data reference');
          }
        }
        if (b.type === 'stsd' && h === 'vide') {
          for (const e of boxesIn(moov, b.body + 8, b.end, fmt)) {
            const name = moov.subarray(e.start + COMPRESSOR_NAME.at, Math.min(e.end, e.start + COMPRESSOR_NAME.at + COMPRESSOR_NAME.len));
            if (!isZero(name)) throw verifyFailed(fmt, 'a compressor name');
          }
        }
        if (b.type === 'stbl') for (const x of chunkRanges(moov, b, h, fmt)) ranges.push(x);
        if (KEEP[b.type] !== undefined) walk(b, h);
      }
    };
    walk({ type: 'moov', start: 0, body: mb.body - mb.start, end: moov.length }, '');
    if (tracks === 0) throw verifyFailed(fmt, 'no audio or video track');
    const defaults = mvex === undefined ? undefined : trexDefaults(moov, mvex, trackIds, fmt, false);
    for (const b of top) {
      if (b.type !== 'moof' && b.type !== 'mfra') continue;
      const buf = Buffer.from(await out.read(b.start, b.end - b.start));
      const local = { type: b.type, start: 0, body: b.body - b.start, end: buf.length };
      if (b.type === 'mfra') scrubMfra(buf, local, trackIds, fmt, false);
      else if (defaults === undefined) throw verifyFailed(fmt, 'a moof without mvex');
      else for (const x of fragmentRanges(buf, local, b.start, trackIds, defaults, fmt, false)) ranges.push(x);
    }
    const kept = mergeRanges(ranges);
    for (const m of top.filter((b) => b.type === 'mdat')) {
      let at = m.body;
      for (let i = 0; i < kept.length; i += 2) {
        const s = Math.max(kept[i]!, m.body);
        const e = Math.min(kept[i + 1]!, m.end);
        if (e <= s) continue;
        await expectZeros(out, at, s, fmt, 'mdat bytes that no kept track reads');
        at = e;
      }
      await expectZeros(out, at, m.end, fmt, 'mdat bytes that no kept track reads');
    }
  });
}

const ZEROS = Buffer.alloc(1024 * 1024);
function isZero(b: Buffer): boolean {
  for (let at = 0; at < b.length; at += ZEROS.length) {
    const part = b.subarray(at, at + ZEROS.length);
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

async function expectZeros(src: ByteSource, from: number, to: number, fmt: string, what: string): Promise<void> {
  const CH = 1024 * 1024;
  for (let at = from; at < to; at += CH) {
    const b = await src.read(at, Math.min(CH, to - at));
    if (!isZero(b)) throw verifyFailed(fmt, what);
  }
}
