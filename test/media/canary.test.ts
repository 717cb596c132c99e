import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCanaryCorpus, type Canary } from '../../fixtures/media/canary.js';
import { createMediaStripper, type MediaInfo } from '../../src/media/index.js';
import { announceMissingOracles, collect, decodedHash, exiftool, hasDebianFfmpeg, hasExiftool, pixels, streamHashes } from './helpers.js';

announceMissingOracles('canary corpus');

const dir = mkdtempSync(join(tmpdir(), 'sunder-canary-'));
const stripper = createMediaStripper({ concurrency: 2 });
let corpus: Canary[] = [];
const results = new Map<string, { out: string; info: MediaInfo }>();

const NAMES = ['canary.jpg', 'canary.png', 'canary-anim.png', 'canary.webp', 'canary16.tif', 'canary8.tif', 'canary.wav', 'canary-rf64.wav', 'canary-bw64.wav', 'canary.flac', 'canary.mp3', 'canary.opus', 'canary.mp4', 'canary.mov', 'canary.m4a'];
const IMAGE = new Set(['jpeg', 'png', 'webp', 'tiff']);

beforeAll(async () => {
  corpus = await generateCanaryCorpus(join(dir, 'in'), 20240601);
  for (const c of corpus) {
    const r = await stripper.strip(c.path);
    const bytes = await collect(r);
    // The stored object is named by an id, never by the input name.
    const out = join(dir, `out-${results.size}.${c.path.split('.').pop()}`);
    writeFileSync(out, bytes);
    results.set(c.name, { out, info: r.info });
  }
}, 180_000);

afterAll(async () => {
  await stripper.close();
  if (process.env.SUNDER_KEEP_CANARY === undefined) rmSync(dir, { recursive: true, force: true });
  else console.log('canary dir kept:', dir);
});

describe.skipIf(!hasDebianFfmpeg)('canary corpus', () => {
  it('covers every allowlisted format', () => {
    expect(new Set(corpus.map((c) => c.format))).toEqual(new Set(['jpeg', 'png', 'webp', 'tiff', 'wav', 'flac', 'mp3', 'ogg', 'mp4', 'mov', 'm4a']));
    expect(corpus.map((c) => c.name).sort()).toEqual([...NAMES].sort());
  });

  describe.each(NAMES)('%s', (name) => {
    const get = (): { c: Canary; out: string; info: MediaInfo } => {
      const c = corpus.find((x) => x.name === name)!;
      return { c, ...results.get(name)! };
    };

    it('planted every marker in the input', () => {
      const { c } = get();
      const input = readFileSync(c.path).toString('latin1');
      expect(c.markers.length).toBeGreaterThan(0);
      for (const m of c.markers) expect(input.includes(m), m).toBe(true);
    });

    it('leaves no marker anywhere in the output bytes (latin1 or UTF-16)', () => {
      const { c, out } = get();
      const bytes = readFileSync(out);
      for (const m of c.markers) {
        expect(bytes.includes(Buffer.from(m, 'latin1')), m).toBe(false);
        expect(bytes.includes(Buffer.from(m, 'utf16le')), m).toBe(false);
      }
      // the shared prefix of every marker, in case a marker was cut short somewhere
      expect(bytes.includes(Buffer.from('SNDRCANARY'))).toBe(false);
    });

    it('keeps every pixel or sample identical', async () => {
      const { c, out, info } = get();
      if (IMAGE.has(info.format) && name !== 'canary-anim.png') {
        expect(await pixels(out)).toBe(await pixels(c.path));
      } else {
        // decoded streams and, for stream copies, the compressed packets themselves
        expect(decodedHash(out)).toBe(decodedHash(c.path));
        // Packets are the codec frames themselves only where the demuxer does not fold container
        // chunks into them (APNG and FLAC packets carry the very chunks that were dropped).
        if (info.format !== 'png' && info.format !== 'flac') expect(streamHashes(out, true)).toBe(streamHashes(c.path, true));
      }
    });

    it.skipIf(!hasExiftool)('passes the exiftool -ee oracle (no marker, no identifying group)', (ctx) => {
      const { c, out } = get();
      // exiftool 12 cannot read BW64 at all, so it is no oracle there (the rewriter's own re-parse still runs).
      if (name === 'canary-bw64.wav') ctx.skip('exiftool does not read BW64');
      const report = exiftool(out);
      for (const m of c.markers) expect(report.includes(m), m).toBe(false);
      // the oracle must see these in the input, or it proves nothing
      const before = exiftool(c.path);
      expect(c.markers.some((m) => before.includes(m))).toBe(true);
      const groups = new Set([...report.matchAll(/^\[([^\]]+)\]/gm)].map((x) => x[1]!));
      for (const g of ['GPS', 'IPTC', 'XMP-dc', 'XMP-x', 'MakerNotes', 'IFD1', 'ExifIFD', 'ID3v2_3', 'ID3v1', 'APE', 'Lyrics3', 'UserData', 'ItemList', 'Photoshop', 'JFXX', 'MPF0']) {
        expect(groups.has(g), `${g} group in output`).toBe(false);
      }
      expect(report).not.toMatch(/GPSLatitude|GPSCoordinates|ThumbnailImage|PreviewImage|CoverArt|Picture\b|CreateDate\s+: [1-9]|Artist|Author/);
    });
  });

  it('keeps orientation and rotation, and the ICC profile byte for byte', async () => {
    const jpg = results.get('canary.jpg')!;
    expect(jpg.info.orientation).toBe(6);
    expect((await sharp(jpg.out).metadata()).orientation).toBe(6);
    const inIcc = (await sharp(corpus.find((c) => c.name === 'canary.jpg')!.path).metadata()).icc;
    expect(inIcc).toBeDefined();
    expect((await sharp(jpg.out).metadata()).icc?.equals(inIcc!)).toBe(true);
    expect(results.get('canary.png')!.info.orientation).toBe(8);
    expect((await sharp(results.get('canary16.tif')!.out).metadata()).orientation).toBe(6);
    expect((await sharp(results.get('canary16.tif')!.out).metadata()).depth).toBe('ushort');
    expect(results.get('canary.mov')!.info.rotation).toBe(90);
    expect(results.get('canary.mp4')!.info.rotation).toBe(90);
  });

  it('reports dimensions, durations and kinds', () => {
    expect(results.get('canary.jpg')!.info).toMatchObject({ kind: 'image', mime: 'image/jpeg', width: 64, height: 48 });
    expect(results.get('canary.wav')!.info).toMatchObject({ kind: 'audio', durationMs: 500 });
    expect(results.get('canary.mp4')!.info).toMatchObject({ kind: 'video', width: 48, height: 32 });
    expect(results.get('canary.m4a')!.info.kind).toBe('audio');
    for (const { out, info } of results.values()) expect(info.bytes).toBe(readFileSync(out).length);
  });
});
