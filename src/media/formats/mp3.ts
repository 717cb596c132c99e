import { id3v2Size, skipLeadingId3 } from '../sniff.js';
import { malformed, truncated, verifyFailed, verifying } from '../fail.js';
import type { ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';
import { mp3Header } from './mp3-frame.js';
import { stripTailTags } from './tail-tags.js';

// The output is MPEG audio frames and nothing else: ID3v2 (leading, appended or mid-stream), ID3v1,
// APEv2 and Lyrics3 are cut, as is junk between tags and audio. The first frame (Xing/Info with the
// LAME header: gapless and seek data, no personal data) is a frame like the others and stays.
const MAX_FRAME = 2881; // largest legal layer I-III frame
const SYNC_SEARCH = 1 << 20;

async function headerAt(src: ByteSource, pos: number, end: number): Promise<ReturnType<typeof mp3Header>> {
  if (pos + 4 > end) return undefined;
  return mp3Header(await src.read(pos, 4), 0);
}

/** First offset in [from, to) where three consistent frames follow each other. */
async function findSync(src: ByteSource, from: number, to: number): Promise<number> {
  const limit = Math.min(to, from + SYNC_SEARCH);
  for (let p = from; p + 4 <= limit; p++) {
    const b = await src.read(p, Math.min(4096, limit - p));
    const i = b.indexOf(0xff);
    if (i < 0) {
      p += b.length - 1;
      continue;
    }
    p += i;
    const h1 = await headerAt(src, p, to);
    if (!h1) continue;
    const h2 = await headerAt(src, p + h1.length, to);
    if (!h2 || h2.key !== h1.key) continue;
    const h3 = await headerAt(src, p + h1.length + h2.length, to);
    if (p + h1.length + h2.length === to || (h3 && h3.key === h1.key)) return p;
  }
  throw malformed('mp3', 'no MPEG audio frames found');
}

interface Walk {
  ranges: Segment[];
  frames: number;
  samples: number;
  sampleRate: number;
}

async function walkFrames(src: ByteSource, from: number, to: number, strict: boolean): Promise<Walk> {
  const ranges: Segment[] = [];
  let pos = from;
  let runStart = from;
  let key = -1;
  let frames = 0;
  let samples = 0;
  let sampleRate = 0;
  while (pos < to) {
    const h = await headerAt(src, pos, to);
    if (h && (key === -1 || h.key === key) && pos + h.length <= to) {
      key = h.key;
      sampleRate = h.sampleRate;
      samples += h.samples;
      frames++;
      pos += h.length;
      continue;
    }
    if (strict) throw verifyFailed('mp3', 'bytes that are not an MPEG audio frame');
    if (pos > runStart) ranges.push({ start: runStart, end: pos });
    const head = await src.read(pos, Math.min(10, to - pos));
    const tag = id3v2Size(head);
    if (tag > 0 && pos + tag <= to) {
      // A tag inside the stream (radio rips, concatenated files): dropped.
      pos += tag;
      runStart = pos;
      continue;
    }
    if (to - pos < MAX_FRAME) {
      // A last frame cut short: decoders skip it, and so do we.
      runStart = to;
      pos = to;
      break;
    }
    throw malformed('mp3', 'unrecognised bytes inside the audio stream');
  }
  if (pos > runStart) ranges.push({ start: runStart, end: pos });
  return { ranges, frames, samples, sampleRate };
}

export async function planMp3(src: ByteSource): Promise<Plan> {
  const pos = await skipLeadingId3(src, () => truncated('mp3', 'ID3v2 tag runs past the end'));
  const end = await stripTailTags(src, pos, src.size);
  // Tags and nothing else (a tagger's template, a cut download): no audio, as FLAC, WAV and AIFF say.
  if (end - pos < 4) throw truncated('mp3', 'no audio frames after the tags');
  const first = await findSync(src, pos, end);
  const w = await walkFrames(src, first, end, false);
  if (w.frames === 0) throw malformed('mp3', 'no MPEG audio frames found');
  return {
    segments: w.ranges,
    info: { kind: 'audio', durationMs: Math.round((w.samples / w.sampleRate) * 1000) },
  };
}

export async function verifyMp3(out: ByteSource): Promise<void> {
  await verifying('mp3', async () => {
    const w = await walkFrames(out, 0, out.size, true);
    if (w.frames === 0) throw verifyFailed('mp3', 'no frames');
  });
}
