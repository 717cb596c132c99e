import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBmffOutput } from '../../src/media/formats/isobmff-verify.js';
import { createMediaStripper } from '../../src/media/index.js';
import { bufferSource, codeOf } from './bytes.js';
import { announceMissingOracles, collect, exiftool, FFMPEG, hasDebianFfmpeg, hasExiftool, probeStreams, streamHashes } from './helpers.js';

// Fragmented MP4 from Debian's ffmpeg with every fragmenting option that changes how a player
// finds the samples (ISO 14496-12 8.8.7): an explicit base-data-offset in tfhd (ffmpeg's
// default), default-base-is-moof, the implicit base (omit_tfhd_offset), a DASH segment index,
// one moof per track, fragments after a non-empty moov, and Smooth Streaming (ismv). Each has a
// mov_text subtitle track whose samples carry a planted "GPS" text: it must be gone, the video
// and audio packets and decoded frames identical.
announceMissingOracles('fragmented MP4');

const SUB = 'SNDRMARK_FRAG_SUBTITLE_GPS';
const VARIANTS: { name: string; args: string[] }[] = [
  { name: 'empty_moov, explicit base-data-offset', args: ['-movflags', 'frag_keyframe+empty_moov'] },
  { name: 'default_base_moof', args: ['-movflags', 'frag_keyframe+empty_moov+default_base_moof'] },
  { name: 'implicit base (omit_tfhd_offset)', args: ['-movflags', 'frag_keyframe+empty_moov+omit_tfhd_offset'] },
  { name: 'dash with a global sidx', args: ['-movflags', 'dash+global_sidx'] },
  { name: 'separate_moof (one moof per track)', args: ['-movflags', 'frag_keyframe+empty_moov+separate_moof'] },
  { name: 'first fragment in moov (frag_keyframe only)', args: ['-movflags', 'frag_keyframe'] },
  { name: 'frag_every_frame with mfra', args: ['-movflags', 'frag_every_frame+empty_moov'] },
  { name: 'ismv (Smooth Streaming, PIFF boxes)', args: ['-f', 'ismv'] },
];

const dir = mkdtempSync(join(tmpdir(), 'sunder-frag-'));
const stripper = createMediaStripper({ concurrency: 1 });
const ff = (args: string[]): void => void execFileSync(FFMPEG, ['-v', 'error', '-nostdin', '-y', ...args]);
afterAll(async () => {
  await stripper.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasDebianFfmpeg)('fragmented MP4 against ffmpeg, ffprobe and exiftool', () => {
  beforeAll(() => {
    writeFileSync(join(dir, 's.srt'), `1\n00:00:00,000 --> 00:00:01,500\n${SUB}\n`);
    ff(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=2', '-f', 'lavfi', '-i', 'sine=f=440:d=2', '-i', join(dir, 's.srt'), '-map', '0', '-map', '1', '-map', '2',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '5', '-c:a', 'aac', '-c:s', 'mov_text', '-metadata', 'title=SNDRMARK_FRAG_TITLE', join(dir, 'stage.mp4')]);
  });

  describe.each(VARIANTS)('$name', ({ name, args }) => {
    const inPath = join(dir, `${name.replace(/\W+/g, '_')}.mp4`);
    const outPath = inPath.replace(/\.mp4$/, '.out.mp4');
    let input: Buffer;
    let out: Buffer;
    beforeAll(async () => {
      ff(['-i', join(dir, 'stage.mp4'), '-map', '0', '-c', 'copy', ...args, inPath]);
      input = readFileSync(inPath);
      const r = await stripper.strip(inPath);
      expect(r.info).toMatchObject({ format: 'mp4', kind: 'video', width: 64, height: 48 });
      out = await collect(r);
      writeFileSync(outPath, out);
    });

    it('is fragmented, keeps its size, and the subtitle text is gone from the bytes', () => {
      expect(input.includes('moof')).toBe(true);
      expect(input.includes(SUB)).toBe(true);
      expect(out.length).toBe(input.length);
      expect(out.includes(SUB)).toBe(false);
      expect(out.includes('SNDRMARK')).toBe(false);
    });
    it('keeps every packet and decoded frame, and only video and audio streams (ffmpeg, ffprobe)', () => {
      expect(streamHashes(outPath, true)).toBe(streamHashes(inPath, true));
      expect(streamHashes(outPath, false)).toBe(streamHashes(inPath, false));
      expect(probeStreams(inPath)).toContain('subtitle');
      expect(probeStreams(outPath)).toEqual(['video', 'audio']);
    });
    it.skipIf(!hasExiftool)('exiftool -ee finds no planted value', () => {
      expect(exiftool(outPath)).not.toMatch(/SNDRMARK/);
    });
    it('the verifier accepts the output and fails on the input', async () => {
      expect(await codeOf(verifyBmffOutput(bufferSource(out), 'mp4'))).toBe('OK');
      expect(await codeOf(verifyBmffOutput(bufferSource(input), 'mp4'))).toBe('MEDIA_VERIFY_FAILED');
    });
  });

  it('refuses an implicit base offset that follows a dropped track fragment (the data would move for a player)', async () => {
    const p = join(dir, 'implicit-after-dropped.mp4');
    ff(['-i', join(dir, 'stage.mp4'), '-map', '0:s', '-map', '0:v', '-map', '0:a', '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov+omit_tfhd_offset', p]);
    expect(await codeOf(stripper.strip(p))).toBe('MEDIA_UNSUPPORTED');
  });
  it('the same order with default_base_moof is rewritten', async () => {
    const p = join(dir, 'moof-base-after-dropped.mp4');
    ff(['-i', join(dir, 'stage.mp4'), '-map', '0:s', '-map', '0:v', '-map', '0:a', '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', p]);
    const o = join(dir, 'moof-base-after-dropped.out.mp4');
    writeFileSync(o, await collect(await stripper.strip(p)));
    expect(streamHashes(o, false)).toBe(streamHashes(p, false));
    expect(readFileSync(o).includes(SUB)).toBe(false);
  });
});
