import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import type { StripResult } from '../../src/media/index.js';

export const FFMPEG = '/usr/bin/ffmpeg';
/**
 * `SUNDER_TEST_HIDE=ffmpeg,exiftool,heif` runs the tests as on a machine without those tools (the
 * rewriters never spawn them, so hiding them from the tests is the whole difference).
 */
const hidden = new Set((process.env.SUNDER_TEST_HIDE ?? '').split(',').map((t) => t.trim()));
export const hasExiftool = !hidden.has('exiftool') && spawnSync('exiftool', ['-ver']).status === 0;
export const hasDebianFfmpeg = !hidden.has('ffmpeg') && existsSync(FFMPEG) && existsSync('/usr/bin/ffprobe');

/**
 * Oracle tests need Debian's ffmpeg and ffprobe (and exiftool); `.ci/run` installs them. Where
 * they are missing, the tests that need them skip, and say so here rather than silently.
 */
export function announceMissingOracles(where: string): void {
  const missing = [...(hasDebianFfmpeg ? [] : ['ffmpeg/ffprobe (apt-get install ffmpeg)']), ...(hasExiftool ? [] : ['exiftool (apt-get install libimage-exiftool-perl)'])];
  if (missing.length > 0) console.warn(`[sunder tests] ${where}: skipping oracle tests, not installed: ${missing.join(', ')}`);
}

export async function collect(r: StripResult): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r.stream) parts.push(c as Buffer);
  await r.dispose();
  return Buffer.concat(parts);
}

/** Decoded pixels at the stored depth, orientation not applied. */
export async function pixels(path: string | Buffer): Promise<string> {
  const m = await sharp(path).metadata();
  const wide = m.depth === 'ushort';
  const { data, info } = await sharp(path).raw({ depth: wide ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  return createHash('sha256').update(`${info.width}x${info.height}x${info.channels}`).update(data).digest('hex');
}

/**
 * Per-stream hashes of decoded (or, with copy, compressed) real audio/video streams. skip_manual
 * turns off gapless trimming: ffmpeg trusts an MP3's LAME padding only when the file size matches
 * the Xing header, which a stripped file does and a tagged input does not.
 */
export function streamHashes(path: string, copy: boolean): string {
  return execFileSync(FFMPEG, ['-v', 'error', '-nostdin', ...(copy ? [] : ['-flags2', '+skip_manual']), '-i', path, '-map', '0:V?', '-map', '0:a?', ...(copy ? ['-c', 'copy'] : []), '-f', 'streamhash', '-hash', 'sha256', '-'], { encoding: 'utf8' });
}

export function exiftool(path: string): string {
  return execFileSync('exiftool', ['-ee', '-a', '-u', '-G1', '-s', path], { encoding: 'utf8' });
}

/** sha256 of every decoded real video and audio frame, raw, hashed here rather than by ffmpeg. */
export function decodedHash(path: string): string {
  const h = createHash('sha256');
  for (const [sel, fmt] of [['0:V', 'rawvideo'], ['0:a', 'f32le']] as const) {
    const present = execFileSync('/usr/bin/ffprobe', ['-v', 'error', '-select_streams', sel.slice(2), '-show_entries', 'stream=index', '-of', 'csv=p=0', path], { encoding: 'utf8' }).trim();
    if (present === '') continue;
    const out = execFileSync(FFMPEG, ['-v', 'error', '-nostdin', '-flags2', '+skip_manual', '-i', path, '-map', `${sel}?`, '-f', fmt, '-'], { maxBuffer: 1 << 30 });
    h.update(`${sel}:${out.length}:`).update(out);
  }
  return h.digest('hex');
}

/** Debian's libheif-examples (`heif-enc`, `heif-convert`): the HEIC oracle (`.ci/run` installs them). */
export const hasHeifTools = !hidden.has('heif') && spawnSync('heif-enc', ['--version']).error === undefined && spawnSync('heif-convert', ['--version']).error === undefined;

/** The streams ffprobe sees, by codec type, in order. */
export function probeStreams(path: string): string[] {
  const out = execFileSync('/usr/bin/ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}
