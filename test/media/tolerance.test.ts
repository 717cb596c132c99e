import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaStripper } from '../../src/media/index.js';
import { aiffComm, aiffSsnd, form, iffChunk, u32le } from './bytes.js';
import { announceMissingOracles, collect, FFMPEG, hasDebianFfmpeg, streamHashes } from './helpers.js';

// Issue 15 item 4: quirks that real devices and taggers write, accepted where the file can be
// rewritten without guessing. One named case each, with a file that shows it; the output is
// always well-formed (sizes patched, pad bytes added) and passes the rewriter's own verifier.
announceMissingOracles('tolerated quirks');

const dir = mkdtempSync(join(tmpdir(), 'sunder-tolerance-'));
const stripper = createMediaStripper({ concurrency: 1 });
afterAll(async () => {
  await stripper.close();
  rmSync(dir, { recursive: true, force: true });
});

async function strip(name: string, bytes: Buffer): Promise<{ out: Buffer; format: string }> {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  const r = await stripper.strip(p);
  return { out: await collect(r), format: r.info.format };
}
async function code(name: string, bytes: Buffer): Promise<string> {
  try {
    await strip(name, bytes);
    return 'OK';
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
}

function riffChunk(id: string, body: Buffer, noPad = false): Buffer {
  return Buffer.concat([Buffer.from(id, 'latin1'), u32le(body.length), body, body.length & 1 && !noPad ? Buffer.alloc(1) : Buffer.alloc(0)]);
}
function riff(type: string, chunks: Buffer[], declared?: number): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), ...chunks]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(declared ?? body.length), body]);
}
const FMT = riffChunk('fmt ', Buffer.from([1, 0, 1, 0, 0x44, 0xac, 0, 0, 0x88, 0x58, 1, 0, 2, 0, 16, 0]));
const PCM = riffChunk('data', Buffer.from(Array.from({ length: 882 }, (_, i) => (i * 37) & 0xff)));
const LIST_ODD = Buffer.from('INFOIART\x0b\x00\x00\x00SNDRMARK_A\x00', 'latin1'); // 23 bytes: odd
const cleanWav = riff('WAVE', [FMT, PCM]);

/** An ID3v2.3 tag with one TIT2 frame, padded to `size` bytes of body. */
function id3(text: string, size = 64): Buffer {
  const frame = Buffer.concat([Buffer.from('TIT2', 'latin1'), Buffer.from([0, 0, 0, text.length + 1, 0, 0, 0]), Buffer.from(text, 'latin1')]);
  const body = Buffer.concat([frame, Buffer.alloc(Math.max(0, size - frame.length))]);
  const n = body.length;
  return Buffer.concat([Buffer.from('ID3\x03\x00\x00', 'latin1'), Buffer.from([(n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127]), body]);
}
/** MPEG-1 layer III frames, 128 kbit/s, 44.1 kHz, mono: 417 bytes each. */
function mp3Frames(n: number): Buffer {
  const f = Buffer.alloc(417);
  f.set([0xff, 0xfb, 0x90, 0xc4]);
  return Buffer.concat(Array.from({ length: n }, () => f));
}

describe('tolerated quirks (issue 15, item 4)', () => {
  let webp: Buffer;
  beforeAll(async () => {
    const w = 24;
    const raw = Buffer.alloc(w * w * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 13) & 0xff;
    webp = await sharp(raw, { raw: { width: w, height: w, channels: 3 } }).webp({ lossless: true }).toBuffer();
  });
  const webpChunks = (): Buffer[] => {
    const out: Buffer[] = [];
    for (let at = 12; at < webp.length; ) {
      const size = webp.readUInt32LE(at + 4);
      out.push(webp.subarray(at, at + 8 + size + (size & 1)));
      at += 8 + size + (size & 1);
    }
    return out;
  };

  it('RIFF size larger than the file (WAV, a recorder that never patched it): bounded by the file', async () => {
    const { out } = await strip('riff-big.wav', riff('WAVE', [FMT, PCM], 0x7ffffff0));
    expect(out.equals(cleanWav)).toBe(true);
  });
  it('RIFF size 0 (WAV, a streamed recording): bounded by the file', async () => {
    const { out } = await strip('riff-zero.wav', riff('WAVE', [FMT, PCM], 0));
    expect(out.equals(cleanWav)).toBe(true);
  });
  it('RIFF size larger than the file (WebP): bounded by the file, same pixels', async () => {
    const bad = Buffer.from(webp);
    bad.writeUInt32LE(webp.length + 1000, 4);
    const { out } = await strip('riff-big.webp', bad);
    expect(out.readUInt32LE(4)).toBe(out.length - 8);
    expect((await sharp(out).raw().toBuffer()).equals(await sharp(webp).raw().toBuffer())).toBe(true);
  });
  it('FORM size that disagrees with the file (AIFF, too large and 0)', async () => {
    const clean = form('AIFF', [aiffComm(100), aiffSsnd(100)]);
    for (const declared of [0, 0x7ffffff0]) {
      const { out } = await strip(`form-${declared}.aiff`, form('AIFF', [aiffComm(100), aiffSsnd(100)], declared));
      expect(out.equals(clean)).toBe(true);
    }
  });
  it('a chunk cut short is still truncation, RIFF size or not', async () => {
    expect(await code('cut.wav', riff('WAVE', [FMT, PCM], 0).subarray(0, 300))).toBe('MEDIA_TRUNCATED');
  });

  it('two ID3v2 tags in a row (MP3, a tagger that prepends instead of merging)', async () => {
    const audio = mp3Frames(12);
    const { out, format } = await strip('two-id3.mp3', Buffer.concat([id3('SNDRMARK_FIRST'), id3('SNDRMARK_SECOND'), audio]));
    expect(format).toBe('mp3');
    expect(out.equals(audio)).toBe(true);
  });
  it('three ID3v2 tags in a row, the first larger than the sniffer\'s 4 KiB head', async () => {
    const audio = mp3Frames(12);
    const { out, format } = await strip('three-id3.mp3', Buffer.concat([id3('SNDRMARK_1', 9000), id3('SNDRMARK_2'), id3('SNDRMARK_3'), audio]));
    expect(format).toBe('mp3');
    expect(out.equals(audio)).toBe(true);
  });
  it.skipIf(!hasDebianFfmpeg)('two ID3v2 tags before real LAME audio: decoded samples identical (ffmpeg)', async () => {
    const src = join(dir, 'lame.mp3');
    execFileSync(FFMPEG, ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'sine=f=440:d=0.5', '-c:a', 'libmp3lame', '-id3v2_version', '0', '-write_xing', '0', src]);
    const audio = readFileSync(src);
    const { out } = await strip('lame-two-id3.mp3', Buffer.concat([id3('SNDRMARK_A'), id3('SNDRMARK_B'), audio]));
    expect(out.equals(audio)).toBe(true);
    writeFileSync(join(dir, 'lame.out.mp3'), out);
    expect(streamHashes(join(dir, 'lame.out.mp3'), false)).toBe(streamHashes(src, false));
  });

  it('odd chunk without its pad byte (WAV LIST): dropped, the next chunk found where it starts', async () => {
    const { out } = await strip('nopad.wav', riff('WAVE', [FMT, riffChunk('LIST', LIST_ODD, true), PCM]));
    expect(out.equals(cleanWav)).toBe(true);
  });
  it('odd kept chunk without its pad byte at the end (WAV data): the pad byte is added back', async () => {
    const odd = riffChunk('data', Buffer.alloc(881, 3), true);
    const { out } = await strip('nopad-data.wav', riff('WAVE', [FMT, odd]));
    expect(out.equals(riff('WAVE', [FMT, riffChunk('data', Buffer.alloc(881, 3))]))).toBe(true);
  });
  it('odd chunk without its pad byte (AIFF ANNO, WebP unknown chunk)', async () => {
    const { out } = await strip('nopad.aiff', form('AIFF', [aiffComm(10), iffChunk('ANNO', Buffer.from('SNDRMARK_ODD'.padEnd(13, '!')), true), aiffSsnd(10)]));
    expect(out.equals(form('AIFF', [aiffComm(10), aiffSsnd(10)]))).toBe(true);
    const [image] = webpChunks();
    const w = riff('WEBP', [riffChunk('ZZZZ', Buffer.from('SNDRMARK_ODDWEBP'.padEnd(17, '!')), true), image!]);
    const { out: wout } = await strip('nopad.webp', w);
    expect(wout.includes('SNDRMARK')).toBe(false);
    expect((await sharp(wout).raw().toBuffer()).equals(await sharp(webp).raw().toBuffer())).toBe(true);
  });
  it('an odd chunk followed by bytes that start no chunk, with or without a pad, is still malformed', async () => {
    // 'X' is taken as the pad (it starts no chunk header), and what follows is no chunk id either.
    const bad = riff('WAVE', [FMT, riffChunk('LIST', LIST_ODD, true), Buffer.from([0x58, 1, 2, 3, 4, 5, 6, 7, 8]), PCM]);
    expect(await code('nopad-junk.wav', bad)).toBe('MEDIA_MALFORMED');
  });

  it('unknown WebP chunks are dropped, never kept (a phone\'s own chunk, with EXIF and XMP)', async () => {
    const [image] = webpChunks();
    const w = riff('WEBP', [image!, riffChunk('SNDR', Buffer.from('SNDRMARK_PHONE_CHUNK')), riffChunk('EXIF', Buffer.from('SNDRMARK_EXIF')), riffChunk('XMP ', Buffer.from('SNDRMARK_XMP'))]);
    const { out } = await strip('unknown.webp', w);
    expect(out.includes('SNDR')).toBe(false);
    expect(out.equals(riff('WEBP', [image!]))).toBe(true);
  });

  it('tags but no audio is still refused, with the code that says so (MEDIA_TRUNCATED)', async () => {
    expect(await code('tags-only.mp3', Buffer.concat([id3('SNDRMARK_ONLY'), id3('SNDRMARK_TWO')]))).toBe('MEDIA_TRUNCATED');
    const streaminfo = Buffer.concat([Buffer.from([0x00, 0, 0, 34]), Buffer.alloc(34, 1)]);
    const comment = Buffer.concat([Buffer.from([0x84, 0, 0, 8]), Buffer.from('SNDRMARK', 'latin1')]);
    expect(await code('tags-only.flac', Buffer.concat([Buffer.from('fLaC'), streaminfo, comment]))).toBe('MEDIA_TRUNCATED');
    expect(await code('tags-only.wav', riff('WAVE', [FMT, riffChunk('LIST', LIST_ODD)]))).toBe('MEDIA_TRUNCATED');
    expect(await code('tags-only.aiff', form('AIFF', [aiffComm(100), iffChunk('NAME', Buffer.from('SNDRMARK'))]))).toBe('MEDIA_TRUNCATED');
  });
});
