import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaStripper, sniffFormat, type MediaInfo } from '../../src/media/index.js';
import { announceMissingOracles, collect, FFMPEG, hasDebianFfmpeg, hasExiftool, streamHashes } from './helpers.js';

// Files written by Debian's ffmpeg with every kind of metadata a phone, camera or tagger leaves,
// stripped natively, then judged by ffmpeg (packets and decoded frames identical), ffprobe (only
// real audio and video streams) and exiftool -ee (no planted value) as independent oracles.
announceMissingOracles('native container rewriters');

const dir = mkdtempSync(join(tmpdir(), 'sunder-containers-'));
const inDir = join(dir, 'in');
mkdirSync(inDir);
const ff = (args: string[]): void => void execFileSync(FFMPEG, ['-v', 'error', '-nostdin', '-y', ...args]);
const SUB = 'SNDRMARK_SUBTITLE_GPS5_39.9042';

interface Case {
  name: string;
  format: MediaInfo['format'];
  markers: string[];
  streams: string[];
}
const cases: Case[] = [];
const outs = new Map<string, { out: Buffer; info: MediaInfo }>();
const exif = new Map<string, string>(); // path -> exiftool -ee report
let cover: Buffer = Buffer.alloc(0);

function tags(prefix: string): { args: string[]; markers: string[] } {
  const markers = ['TITLE', 'ARTIST', 'COMMENT'].map((k) => `SNDRMARK_${prefix}_${k}`);
  return { args: ['-metadata', `title=${markers[0]}`, '-metadata', `artist=${markers[1]}`, '-metadata', `comment=${markers[2]}`, '-metadata', 'creation_time=2019-03-04T05:06:07Z'], markers };
}

function makeCorpus(): void {
  const video = ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=0.5'];
  const audio = ['-f', 'lavfi', '-i', 'sine=f=440:d=0.5'];
  ff(['-f', 'lavfi', '-i', 'testsrc=size=32x32:rate=1:duration=1', '-frames:v', '1', join(dir, 'cover.jpg')]);
  cover = readFileSync(join(dir, 'cover.jpg'));
  writeFileSync(join(dir, 'gps.srt'), `1\n00:00:00,000 --> 00:00:00,400\n${SUB}\n`);

  // MP4: H.264 + AAC, a subtitle track carrying "GPS" text, tags, a location, cover art; moov at
  // the end (ffmpeg's default) and moov first (faststart).
  const t = tags('MP4');
  const stage = join(dir, 'stage.mp4');
  ff([...video, ...audio, '-i', join(dir, 'gps.srt'), '-map', '0', '-map', '1', '-map', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-c:s', 'mov_text', ...t.args, '-metadata', 'location=+39.9042+116.4074/', '-metadata:s:a', 'handler_name=SNDRMARK_MP4_AHANDLER', stage]);
  for (const [name, flags] of [['moov-end.mp4', []], ['faststart.mp4', ['-movflags', 'faststart']]] as const) {
    ff(['-i', stage, '-i', join(dir, 'cover.jpg'), '-map', '0', '-map', '1', '-c', 'copy', '-disposition:v:1', 'attached_pic', ...flags, join(inDir, name)]);
    // The mp4 muxer writes the location as a binary loci box: exiftool's GPS check covers it.
    cases.push({ name, format: 'mp4', markers: [...t.markers, SUB, 'SNDRMARK_MP4_AHANDLER'], streams: ['video', 'audio'] });
  }

  // MOV: a timecode track, a location (©xyz), a marked handler name, a rotation.
  const m = tags('MOV');
  ff([...video, ...audio, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-timecode', '01:02:03:04', ...m.args, '-metadata', 'location=+31.2304+121.4737/', '-metadata:s:v', 'handler_name=SNDRMARK_MOV_VHANDLER', join(dir, 'stage.mov')]);
  ff(['-i', join(dir, 'stage.mov'), '-map', '0', '-c', 'copy', '-metadata:s:v:0', 'rotate=90', join(inDir, 'timecode.mov')]);
  cases.push({ name: 'timecode.mov', format: 'mov', markers: [...m.markers, 'SNDRMARK_MOV_VHANDLER', '+31.2304+121.4737'], streams: ['video', 'audio'] });

  // MOV with uncompressed video and PCM: a sound track that counts one "sample" per audio frame.
  const pm = tags('PCM');
  ff([...video, ...audio, '-c:v', 'rawvideo', '-pix_fmt', 'rgb24', '-c:a', 'pcm_s16le', ...pm.args, join(inDir, 'pcm.mov')]);
  cases.push({ name: 'pcm.mov', format: 'mov', markers: pm.markers, streams: ['video', 'audio'] });

  // M4A with cover art.
  const a = tags('M4A');
  ff([...audio, '-i', join(dir, 'cover.jpg'), '-map', '0', '-map', '1', '-c:a', 'aac', '-c:v', 'copy', '-disposition:v', 'attached_pic', ...a.args, join(inDir, 'cover.m4a')]);
  cases.push({ name: 'cover.m4a', format: 'm4a', markers: a.markers, streams: ['audio'] });

  // Ogg Opus and Vorbis: comments in upper and lower case, and a METADATA_BLOCK_PICTURE.
  // Padded past 64 KiB so that the comment packet spans several pages, as real cover art does.
  const art = Buffer.concat([cover, randomBytes(70_000)]);
  const pic = Buffer.concat([u32be(3), u32be(10), Buffer.from('image/jpeg'), u32be(0), u32be(32), u32be(32), u32be(24), u32be(0), u32be(art.length), art]).toString('base64');
  for (const [name, codec] of [['tags.opus', 'libopus'], ['tags.ogg', 'libvorbis']] as const) {
    const p = `SNDRMARK_${codec.toUpperCase()}`;
    ff([...audio, '-c:a', codec, '-metadata', `ARTIST=${p}_ARTIST`, '-metadata', `location=${p}_lowercase_location`, '-metadata', `METADATA_BLOCK_PICTURE=${pic}`, join(inDir, name)]);
    cases.push({ name, format: 'ogg', markers: [`${p}_ARTIST`, `${p}_lowercase_location`, pic.slice(0, 40)], streams: ['audio'] });
  }
  // FLAC in Ogg (ffmpeg writes its comment block, not pictures: the unit tests cover those).
  ff([...audio, '-c:a', 'flac', '-metadata', 'ARTIST=SNDRMARK_FLAC_ARTIST', '-metadata', 'title=SNDRMARK_FLAC_lower', join(inDir, 'tags.oga')]);
  cases.push({ name: 'tags.oga', format: 'ogg', markers: ['SNDRMARK_FLAC_ARTIST', 'SNDRMARK_FLAC_lower'], streams: ['audio'] });
}

const stripper = createMediaStripper({ concurrency: 1 });
beforeAll(async () => {
  if (!hasDebianFfmpeg) return;
  makeCorpus();
  for (const c of cases) {
    const r = await stripper.strip(join(inDir, c.name));
    const out = await collect(r);
    writeFileSync(join(dir, `out-${c.name}`), out);
    outs.set(c.name, { out, info: r.info });
  }
  if (!hasExiftool) return;
  // One exiftool run for every input and output: perl's start-up would dominate otherwise.
  const paths = cases.flatMap((c) => [join(inDir, c.name), join(dir, `out-${c.name}`)]);
  const all = execFileSync('exiftool', ['-ee', '-a', '-u', '-G1', '-s', ...paths], { encoding: 'utf8', maxBuffer: 1 << 26 });
  for (const part of all.split(/^======== /m).slice(1)) {
    const nl = part.indexOf('\n');
    exif.set(part.slice(0, nl).trim(), part.slice(nl + 1));
  }
  expect(exif.size).toBe(paths.length);
}, 120_000);
afterAll(async () => {
  await stripper.close();
  rmSync(dir, { recursive: true, force: true });
});

const NAMES = ['moov-end.mp4', 'faststart.mp4', 'timecode.mov', 'pcm.mov', 'cover.m4a', 'tags.opus', 'tags.ogg', 'tags.oga'];

describe.skipIf(!hasDebianFfmpeg)('native container rewriters against ffmpeg, ffprobe and exiftool', () => {
  it('built the whole corpus, moov at the end and moov first', () => {
    expect(cases.map((c) => c.name)).toEqual(NAMES);
    const moovFirst = (b: Buffer): boolean => b.indexOf('moov') < b.indexOf('mdat');
    expect(moovFirst(readFileSync(join(inDir, 'moov-end.mp4')))).toBe(false);
    expect(moovFirst(readFileSync(join(inDir, 'faststart.mp4')))).toBe(true);
  });

  describe.each(NAMES)('%s', (name) => {
    const get = (): { c: Case; input: Buffer; out: Buffer; info: MediaInfo; inPath: string; outPath: string } => {
      const c = cases.find((x) => x.name === name)!;
      return { c, input: readFileSync(join(inDir, name)), ...outs.get(name)!, inPath: join(inDir, name), outPath: join(dir, `out-${name}`) };
    };

    it('keeps the size and format, and no planted value survives in the bytes', () => {
      const { c, input, out, info } = get();
      expect(info.format).toBe(c.format);
      expect(sniffFormat(out)).toBe(c.format);
      expect(out.length).toBe(input.length);
      for (const m of c.markers) {
        expect(input.includes(m), `input has ${m}`).toBe(true);
        expect(out.includes(m), m).toBe(false);
      }
      expect(out.includes('SNDRMARK')).toBe(false);
    });

    it('keeps every packet and every decoded frame (ffmpeg streamhash and raw decode)', () => {
      const { inPath, outPath } = get();
      expect(streamHashes(outPath, true)).toBe(streamHashes(inPath, true));
      expect(framemd5(outPath)).toBe(framemd5(inPath));
    });

    it('leaves only the real audio and video streams and no tag (ffprobe)', () => {
      const { c, outPath } = get();
      const j = JSON.parse(execFileSync('/usr/bin/ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', outPath], { encoding: 'utf8' })) as {
        streams: { codec_type: string; tags?: Record<string, string> }[];
        format: { tags?: Record<string, string> };
      };
      expect(j.streams.map((s) => s.codec_type)).toEqual(c.streams);
      const structural = new Set(['major_brand', 'minor_version', 'compatible_brands', 'language', 'vendor_id', 'handler_name']);
      const left = [j.format.tags ?? {}, ...j.streams.map((s) => s.tags ?? {})].flatMap((t) => Object.entries(t).filter(([k, v]) => !structural.has(k) && v !== ''));
      expect(left).toEqual([]);
    });

    it.skipIf(!hasExiftool)('passes the exiftool -ee oracle', () => {
      const { c, inPath, outPath } = get();
      const before = exif.get(inPath)!;
      expect(c.markers.some((m) => before.includes(m)), 'exiftool sees the planted values in the input').toBe(true);
      if (c.format === 'mp4' || c.name === 'timecode.mov') expect(before, 'exiftool sees the location in the input').toMatch(/GPSLatitude/);
      // File-system dates are the test's own file, not the media's.
      const report = exif.get(outPath)!.split('\n').filter((l) => !l.startsWith('[System]')).join('\n');
      for (const m of c.markers) expect(report.includes(m), m).toBe(false);
      expect(report).not.toMatch(/SNDRMARK|GPSCoordinates|GPSLatitude|CoverArt|Picture|Artist|Title\s|Comment|Location|CreateDate\s+: [1-9]|ModifyDate\s+: [1-9]|Vendor\s+: \S/);
      const groups = new Set([...report.matchAll(/^\[([^\]]+)\]/gm)].map((x) => x[1]!));
      for (const g of ['UserData', 'ItemList', 'Keys', 'XMP-x', 'GPS']) expect(groups.has(g), g).toBe(false);
    });
  });

  it('zeroes the samples of a dropped track in mdat, found in the input by their content', () => {
    for (const name of ['moov-end.mp4', 'faststart.mp4']) {
      const { input, out } = { input: readFileSync(join(inDir, name)), out: outs.get(name)!.out };
      const at = input.indexOf(SUB);
      expect(at).toBeGreaterThan(0);
      expect(out.subarray(at - 2, at + SUB.length).every((b) => b === 0)).toBe(true);
    }
  });

  it('drops the cover art (its JPEG bytes are zero where they were)', () => {
    for (const name of ['moov-end.mp4', 'cover.m4a']) {
      const input = readFileSync(join(inDir, name));
      const at = input.indexOf(cover);
      expect(at, name).toBeGreaterThan(0);
      expect(outs.get(name)!.out.subarray(at, at + cover.length).every((b) => b === 0), name).toBe(true);
    }
  });

  it('reports rotation, size, kind and duration from the kept tracks', () => {
    expect(outs.get('timecode.mov')!.info).toMatchObject({ kind: 'video', rotation: 90, width: 64, height: 48, durationMs: 500 });
    expect(outs.get('faststart.mp4')!.info).toMatchObject({ kind: 'video', width: 64, height: 48 });
    expect(outs.get('cover.m4a')!.info.kind).toBe('audio');
    expect(outs.get('tags.opus')!.info.durationMs).toBe(500);
    expect(outs.get('tags.ogg')!.info.durationMs).toBe(500);
  });

  it('keeps every Ogg audio page byte for byte (only header pages change)', () => {
    for (const name of ['tags.opus', 'tags.ogg']) {
      const input = readFileSync(join(inDir, name));
      const out = outs.get(name)!.out;
      const pages = pagesOf(input);
      expect(pagesOf(out)).toEqual(pages);
      // Header pages carry granule position 0 (or -1 where no packet ends); audio pages a later one.
      const granule = (p: [number, number]): bigint => input.readBigInt64LE(p[0] + 6);
      const changed = pages.filter((p) => !input.subarray(p[0], p[1]).equals(out.subarray(p[0], p[1])));
      expect(changed.length, name).toBeGreaterThan(1); // the comment spans pages: it holds a picture
      for (const p of changed) expect(granule(p), name).toBeLessThanOrEqual(0n);
      expect(pages.filter((p) => granule(p) > 0n).length, name).toBeGreaterThan(0);
    }
  });

  it('strips a folder of container files without spawning a single process', async () => {
    const require = createRequire(import.meta.url);
    const cp = require('node:child_process') as Record<string, unknown>;
    const names = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
    const saved = names.map((n) => cp[n]);
    let spawned = 0;
    for (const [i, n] of names.entries()) {
      const orig = saved[i] as (...a: unknown[]) => unknown;
      cp[n] = (...a: unknown[]): unknown => {
        spawned++;
        return orig(...a);
      };
    }
    syncBuiltinESMExports();
    const s = createMediaStripper({ concurrency: 2 });
    try {
      const files = readdirSync(inDir);
      expect(files.length).toBe(NAMES.length);
      for (const f of files) await collect(await s.strip(join(inDir, f)));
      // the counter counts: a real spawn through the patched module is seen
      execFileSync('true');
    } finally {
      await s.close();
      for (const [i, n] of names.entries()) cp[n] = saved[i];
      syncBuiltinESMExports();
    }
    expect(spawned).toBe(1);
  });
});

/** md5 of every decoded video and audio frame, stream by stream, in one ffmpeg run. */
function framemd5(path: string): string {
  return execFileSync(FFMPEG, ['-v', 'error', '-nostdin', '-i', path, '-map', '0:V?', '-map', '0:a?', '-f', 'framemd5', '-'], { encoding: 'utf8' });
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** [start, end) of every Ogg page, parsed here independently of the rewriter. */
function pagesOf(b: Buffer): [number, number][] {
  const out: [number, number][] = [];
  let pos = 0;
  while (pos < b.length) {
    const n = b[pos + 26]!;
    let len = 27 + n;
    for (let i = 0; i < n; i++) len += b[pos + 27 + i]!;
    out.push([pos, pos + len]);
    pos += len;
  }
  return out;
}
