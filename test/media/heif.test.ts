import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMeta } from '../../src/media/formats/heif-items.js';
import { verifyHeifOutput } from '../../src/media/formats/heif.js';
import { topLevelBoxes } from '../../src/media/formats/isobmff-box.js';
import { createMediaStripper, sniffFormat } from '../../src/media/index.js';
import { bufferSource, codeOf } from './bytes.js';
import { announceMissingOracles, collect, exiftool, hasExiftool, hasHeifTools } from './helpers.js';

// HEIC from Debian's libheif (heif-enc, x265 and aom: a grid, a thumbnail, Exif and XMP items
// carried over from a tagged JPEG) and AVIF from sharp (Exif and XMP items). Judged by decoding:
// heif-convert and sharp give identical pixels; exiftool -ee finds no Exif or XMP tag after.
announceMissingOracles('HEIC/AVIF');
if (!hasHeifTools) console.warn('[sunder tests] HEIC/AVIF: skipping heif-enc/heif-convert oracle tests, not installed (apt-get install libheif-examples)');

const dir = mkdtempSync(join(tmpdir(), 'sunder-heif-'));
const stripper = createMediaStripper({ concurrency: 1 });
afterAll(async () => {
  await stripper.close();
  rmSync(dir, { recursive: true, force: true });
});
const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>SNDRMARK_XMP_CREATOR</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>';
const EXIF = { IFD0: { Make: 'SNDRMARK_MAKE', Model: 'SNDRMARK_MODEL', Artist: 'SNDRMARK_ARTIST' } };
// exiftool groups that must not appear in a stripped still (the container's own QuickTime/Meta
// structure groups stay).
const IDENTIFYING = /^\[(IFD0|IFD1|ExifIFD|GPS|XMP[-\w]*|MakerNotes|Apple|InteropIFD)\]/m;

async function rawPixels(p: string | Buffer): Promise<Buffer> {
  return sharp(p).raw().toBuffer();
}

async function stripFile(name: string, bytes: Buffer): Promise<{ inPath: string; outPath: string; out: Buffer; info: Record<string, unknown> }> {
  const inPath = join(dir, name);
  writeFileSync(inPath, bytes);
  const r = await stripper.strip(inPath);
  const out = await collect(r);
  const outPath = join(dir, name.replace(/\.(\w+)$/, '.out.$1'));
  writeFileSync(outPath, out);
  return { inPath, outPath, out, info: r.info as unknown as Record<string, unknown> };
}

describe('AVIF from sharp with Exif and XMP (no Debian tool needed)', () => {
  let input: Buffer;
  let res: Awaited<ReturnType<typeof stripFile>>;
  beforeAll(async () => {
    input = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 20, g: 130, b: 90 } } }).withExif(EXIF).withXmp(XMP).avif().toBuffer();
    res = await stripFile('sharp.avif', input);
  });
  it('sniffs as AVIF and keeps size and dimensions', () => {
    expect(sniffFormat(input)).toBe('avif');
    expect(res.info).toMatchObject({ format: 'avif', kind: 'image', mime: 'image/avif', width: 40, height: 30, bytes: input.length });
  });
  it('drops the Exif and XMP items: not one planted byte left', () => {
    expect(input.includes('SNDRMARK_MAKE')).toBe(true);
    expect(input.includes('SNDRMARK_XMP_CREATOR')).toBe(true);
    expect(res.out.includes('SNDRMARK')).toBe(false);
    const meta = topLevel(res.out).find((b) => b.type === 'meta')!;
    const parts = parseMeta(res.out.subarray(meta.start, meta.end), { ...meta, start: 0, body: meta.body - meta.start, end: meta.end - meta.start }, 'avif');
    expect(parts.items.map((i) => i.type)).toEqual(['av01']);
  });
  it('decodes to identical pixels (sharp)', async () => {
    expect((await rawPixels(res.out)).equals(await rawPixels(input))).toBe(true);
  });
  it.skipIf(!hasExiftool)('exiftool -ee finds no Exif or XMP tag', () => {
    expect(exiftool(res.inPath)).toMatch(IDENTIFYING);
    const report = exiftool(res.outPath);
    expect(report).not.toMatch(IDENTIFYING);
    expect(report).not.toMatch(/SNDRMARK/);
  });
  it('the verifier accepts the output and fails on the input', async () => {
    expect(await codeOf(verifyHeifOutput(bufferSource(res.out), 'avif'))).toBe('OK');
    expect(await codeOf(verifyHeifOutput(bufferSource(input), 'avif'))).toBe('MEDIA_VERIFY_FAILED');
  });
  it('refuses an image sequence (a moov with tracks) and an image whose data lives in another file', async () => {
    const withMoov = Buffer.concat([input, Buffer.from([0, 0, 0, 8]), Buffer.from('moov')]);
    writeFileSync(join(dir, 'seq.avif'), withMoov);
    expect(await codeOf(stripper.strip(join(dir, 'seq.avif')))).toBe('MEDIA_UNSUPPORTED');
    const ext = Buffer.from(input);
    const meta = topLevel(ext).find((b) => b.type === 'meta')!;
    const local = ext.subarray(meta.start, meta.end);
    const parts = parseMeta(local, { ...meta, start: 0, body: meta.body - meta.start, end: meta.end - meta.start }, 'avif');
    const iloc = parts.children.find((c) => c.type === 'iloc')!;
    const v = local[iloc.body]!;
    const primary = parts.locs.find((l) => l.id === parts.primary)!;
    local.writeUInt16BE(1, primary.start + (v < 2 ? 2 : 4) + (v >= 1 ? 2 : 0)); // data_reference_index 1
    writeFileSync(join(dir, 'external.avif'), ext);
    expect(await codeOf(stripper.strip(join(dir, 'external.avif')))).toBe('MEDIA_UNSUPPORTED');
  });
});

function topLevel(b: Buffer): { type: string; start: number; body: number; end: number }[] {
  const out: { type: string; start: number; body: number; end: number }[] = [];
  for (let at = 0; at < b.length; ) {
    const size = b.readUInt32BE(at);
    out.push({ type: b.toString('latin1', at + 4, at + 8), start: at, body: at + 8, end: at + size });
    at += size;
  }
  return out;
}

describe.skipIf(!hasHeifTools || !hasExiftool)('HEIC and AVIF from libheif (heif-enc) with Exif, GPS and XMP', () => {
  let jpeg: string;
  beforeAll(async () => {
    jpeg = join(dir, 'tagged.jpg');
    // Not a flat colour: a gradient, so that pixel comparison means something.
    const w = 96;
    const h = 72;
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < w * h; i++) raw.set([(i % w) * 2, Math.floor(i / w) * 3, (i * 7) % 256], i * 3);
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toFile(jpeg);
    execFileSync('exiftool', ['-q', '-overwrite_original', '-GPSLatitude=39.9042', '-GPSLatitudeRef=N', '-GPSLongitude=116.4074', '-GPSLongitudeRef=E', '-Artist=SNDRMARK_ARTIST', '-Make=SNDRMARK_MAKE', '-DateTimeOriginal=2019:03:04 05:06:07', '-XMP:Creator=SNDRMARK_XMP_CREATOR', jpeg]);
  });

  it.each([
    ['HEIC, lossy, with a thumbnail', 'a.heic', ['-q', '60', '-t', '24']],
    ['HEIC, lossless 4:4:4', 'b.heic', ['-L', '-p', 'chroma=444']],
    ['AVIF (aom), with a thumbnail', 'c.avif', ['-A', '-q', '60', '-t', '24']],
  ])('%s: pixels identical by heif-convert and sharp, no Exif/GPS/XMP by exiftool -ee', async (_name, file, args) => {
    const inPath = join(dir, file);
    execFileSync('heif-enc', [...args, jpeg, '-o', inPath], { stdio: 'ignore' });
    const input = readFileSync(inPath);
    expect(exiftool(inPath)).toMatch(/SNDRMARK_ARTIST/);
    expect(exiftool(inPath)).toMatch(/GPSLatitude/);
    const res = await stripFile(`s-${file}`, input);
    expect(res.info).toMatchObject({ format: file.endsWith('avif') ? 'avif' : 'heic', kind: 'image', width: 96, height: 72, bytes: input.length });
    expect(res.out.includes('SNDRMARK')).toBe(false);
    const report = exiftool(res.outPath);
    expect(report).not.toMatch(IDENTIFYING);
    expect(report).not.toMatch(/SNDRMARK|GPS|DateTimeOriginal/);
    // heif-convert decodes the primary image; the PNGs it writes carry the input's Exif, so pixels
    // are compared decoded, not as files.
    const a = join(dir, `${file}.in.png`);
    const b = join(dir, `${file}.out.png`);
    execFileSync('heif-convert', [inPath, a], { stdio: 'ignore' });
    execFileSync('heif-convert', [res.outPath, b], { stdio: 'ignore' });
    expect((await rawPixels(b)).equals(await rawPixels(a))).toBe(true);
    if (file.endsWith('avif')) expect((await rawPixels(res.out)).equals(await rawPixels(input))).toBe(true);
    expect(await codeOf(verifyHeifOutput(bufferSource(input), res.info.format as string))).toBe('MEDIA_VERIFY_FAILED');
  });
  it('keeps the coded image items byte for byte (every kept extent equal)', async () => {
    const inPath = join(dir, 'a.heic');
    const input = readFileSync(inPath);
    const out = readFileSync(join(dir, 's-a.out.heic'));
    const boxes = await topLevelBoxes(bufferSource(input), 'heic');
    const meta = boxes.find((b) => b.type === 'meta')!;
    const parts = parseMeta(input.subarray(meta.start, meta.end), { ...meta, start: 0, body: meta.body - meta.start, end: meta.end - meta.start }, 'heic');
    const images = parts.items.filter((i) => i.type === 'hvc1');
    expect(images.length).toBeGreaterThan(1);
    for (const l of parts.locs.filter((x) => x.method === 0 && images.some((i) => i.id === x.id))) {
      for (const e of l.extents) expect(out.subarray(e.offset, e.offset + e.length).equals(input.subarray(e.offset, e.offset + e.length))).toBe(true);
    }
  });
});
