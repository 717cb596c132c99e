/**
 * Races the native ISO-BMFF (fragmented too), Ogg, AIFF and HEIF rewriters against a plain file copy (large files, MB/s) and
 * against one `ffmpeg -c copy` per file (a folder of small container files, files/s), and prints
 * the ratios. Inputs are built here with Debian's ffmpeg; every output is checked for the planted
 * marker first. Run: node --import tsx bench/media-containers.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createMediaStripper } from '../src/media/index.js';

const FF = '/usr/bin/ffmpeg';
if (!existsSync(FF)) {
  console.log('bench/media-containers: skipped, Debian ffmpeg is not installed (apt-get install ffmpeg)');
  process.exit(0);
}
const root = join(import.meta.dirname, '.out', 'media-containers');
rmSync(root, { recursive: true, force: true });
for (const d of ['big', 'folder', 'out']) mkdirSync(join(root, d), { recursive: true });
const ff = (args: string[]): void => void execFileSync(FF, ['-v', 'error', '-nostdin', '-y', ...args]);
const MARK = ['-metadata', 'title=SNDRBENCHMARK', '-metadata', 'artist=SNDRBENCHMARK'];

// ---- inputs
console.log('# building inputs with ffmpeg');
// Large: uncompressed video and PCM in MOV (about 115 MB), MPEG-4 part 2 at high quality in MP4.
ff(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=20', '-f', 'lavfi', '-i', 'sine=f=440:d=20', '-c:v', 'rawvideo', '-pix_fmt', 'rgb24', '-c:a', 'pcm_s16le', ...MARK, join(root, 'big', 'raw.mov')]);
// Noise keeps MPEG-4 from compressing it away: thousands of large samples, as in camera footage.
ff(['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25:duration=12', '-f', 'lavfi', '-i', 'sine=f=440:d=12', '-vf', 'noise=alls=60:allf=t', '-c:v', 'mpeg4', '-q:v', '2', '-c:a', 'aac', ...MARK, '-movflags', 'faststart', join(root, 'big', 'q1.mp4')]);
// Small: one of each container, 2 s, copied to a folder of 100 files.
const small = join(root, 'small');
mkdirSync(small);
const v = ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=2'];
const a = ['-f', 'lavfi', '-i', 'sine=f=440:d=2'];
ff([...v, ...a, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', ...MARK, join(small, 's.mp4')]);
ff([...v, ...a, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', ...MARK, join(small, 's.mov')]);
ff([...a, '-c:a', 'aac', ...MARK, join(small, 's.m4a')]);
ff([...a, '-c:a', 'libopus', ...MARK, join(small, 's.opus')]);
ff([...a, '-c:a', 'libvorbis', ...MARK, join(small, 's.ogg')]);
// Fragmented MP4 (DASH-style, a moof per keyframe) and AIFF-C with an ID3 chunk.
ff(['-i', join(small, 's.mp4'), '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', join(small, 's.frag.mp4')]);
ff([...a, '-c:a', 'pcm_s16be', '-write_id3v2', '1', ...MARK, join(small, 's.aiff')]);
const kinds = ['s.mp4', 's.mov', 's.m4a', 's.opus', 's.ogg', 's.frag.mp4', 's.aiff'];
const folder: string[] = [];
for (let i = 0; i < 100; i++) {
  const k = kinds[i % kinds.length]!;
  const p = join(root, 'folder', `f${i}${k.slice(1)}`);
  copyFileSync(join(small, k), p);
  folder.push(p);
}
ff(['-i', join(root, 'big', 'q1.mp4'), '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov', join(root, 'big', 'q1-frag.mp4')]);
const bigs = [join(root, 'big', 'raw.mov'), join(root, 'big', 'q1.mp4'), join(root, 'big', 'q1-frag.mp4')];

// Stills: ffmpeg 5.1 cannot demux HEIF items, so HEIC/AVIF race a plain copy only.
const stills: string[] = [];
{
  const { default: sharp } = await import('sharp');
  const px = Buffer.alloc(1024 * 768 * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 2654435761) >>> 24;
  const img = sharp(px, { raw: { width: 1024, height: 768, channels: 3 } });
  await img.clone().withExif({ IFD0: { Artist: 'SNDRBENCHMARK' } }).avif({ quality: 60 }).toFile(join(small, 's.avif'));
  stills.push(join(small, 's.avif'));
  await img.clone().jpeg({ quality: 90 }).withExif({ IFD0: { Artist: 'SNDRBENCHMARK' } }).toFile(join(small, 'src.jpg'));
  try {
    execFileSync('heif-enc', ['-q', '60', '-t', '128', join(small, 'src.jpg'), '-o', join(small, 's.heic')], { stdio: 'ignore' });
    stills.push(join(small, 's.heic'));
  } catch {
    console.log('heif-enc not installed (libheif-examples): HEIC is left out of the stills race');
  }
}

// ---- the contenders
const stripper = createMediaStripper();
let n = 0;
const outPath = (ext: string): string => join(root, 'out', `o${n++ % 8}${ext}`);
async function copy(p: string): Promise<void> {
  await pipeline(createReadStream(p, { highWaterMark: 1 << 20 }), createWriteStream(outPath('')));
}
async function strip(p: string): Promise<void> {
  const r = await stripper.strip(p);
  await pipeline(r.stream, createWriteStream(outPath('')));
  await r.dispose();
}
function ffmpegCopy(p: string): Promise<void> {
  const ext = p.slice(p.lastIndexOf('.'));
  return new Promise((resolve, reject) => {
    const c = spawn(FF, ['-v', 'error', '-nostdin', '-y', '-i', p, '-map', '0:V?', '-map', '0:a?', '-c', 'copy', '-map_metadata', '-1', outPath(ext)], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
}
async function time(files: string[], fn: (p: string) => Promise<void>, reps: number): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (const f of files) await fn(f);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

// ---- correctness first: no marker in any output
for (const p of [...bigs, ...folder.slice(0, kinds.length), ...stills]) {
  const r = await stripper.strip(p);
  const o = outPath('');
  await pipeline(r.stream, createWriteStream(o));
  await r.dispose();
  if (readFileSync(o).includes('SNDRBENCHMARK')) throw new Error('bench: a marker survived');
}

console.log('\n# large files (best of 3)');
for (const p of bigs) {
  const mb = statSync(p).size / 1e6;
  const tc = await time([p], copy, 3);
  const ts = await time([p], strip, 3);
  console.log(`${p.split('/').pop()!.padEnd(10)} ${mb.toFixed(0).padStart(5)} MB  copy ${(mb / tc).toFixed(0).padStart(5)} MB/s  native ${(mb / ts).toFixed(0).padStart(5)} MB/s  ratio native/copy ${(ts / tc).toFixed(2)}x (target <= 4x)`);
}

console.log(`\n# folder of ${folder.length} container files (${kinds.join(' ')}), one at a time, best of 2`);
const tf = await time(folder, ffmpegCopy, 2);
const tn = await time(folder, strip, 2);
console.log(`ffmpeg -c copy per file   ${(folder.length / tf).toFixed(0).padStart(6)} files/s`);
console.log(`native rewrite            ${(folder.length / tn).toFixed(0).padStart(6)} files/s`);
console.log(`ratio ffmpeg/native: ${(tf / tn).toFixed(1)}x faster (target >= 5x)`);

console.log(`\n# stills (${stills.map((p) => p.split('.').pop()).join(' ')}, ~${(statSync(stills[0]!).size / 1e3).toFixed(0)} KB), best of 3 x 50`);
const many = Array.from({ length: 50 }, () => stills).flat();
const tcs = await time(many, copy, 3);
const tss = await time(many, strip, 3);
console.log(`plain copy ${(many.length / tcs).toFixed(0)} files/s, native ${(many.length / tss).toFixed(0)} files/s, ratio native/copy ${(tss / tcs).toFixed(2)}x (target <= 4x)`);
await stripper.close();
rmSync(root, { recursive: true, force: true });
