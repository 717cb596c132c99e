import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extended80, planAiff, verifyAiff } from '../../src/media/formats/aiff.js';
import { createMediaStripper, sniffFormat } from '../../src/media/index.js';
import { aiffComm, aiffSsnd, bufferSource, codeOf, form, iffChunk, materialise, RATE_44100, u16, u32 } from './bytes.js';
import { announceMissingOracles, collect, exiftool, FFMPEG, hasDebianFfmpeg, hasExiftool, streamHashes } from './helpers.js';

announceMissingOracles('AIFF');

// Every chunk the issue names, each with a planted value (odd lengths included: pad bytes).
const TAGS = [
  iffChunk('NAME', Buffer.from('SNDRMARK_NAME_Zhang_Wei')),
  iffChunk('AUTH', Buffer.from('SNDRMARK_AUTH')),
  iffChunk('(c) ', Buffer.from('SNDRMARK_COPYRIGHT_2019')),
  iffChunk('ANNO', Buffer.from('SNDRMARK_ANNO recorded at home')),
  iffChunk('COMT', Buffer.concat([u16(1), u32(0), u16(0), u16(17), Buffer.from('SNDRMARK_COMMENT!')])),
  iffChunk('APPL', Buffer.from('pdosSNDRMARK_APPL_blob')),
  iffChunk('MARK', Buffer.concat([u16(1), u16(1), u32(10), Buffer.from('\x0dSNDRMARK_MARK')])),
  iffChunk('INST', Buffer.alloc(20, 1)),
  iffChunk('ID3 ', Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x14', 'latin1'), Buffer.from('TIT2\x00\x00\x00\x0a\x00\x00\x00SNDRMARK_', 'latin1')])),
  iffChunk('ZZZZ', Buffer.from('SNDRMARK_UNKNOWN')),
];

describe('AIFF / AIFF-C rewriter', () => {
  const frames = 1001;
  const file = form('AIFF', [TAGS[0]!, aiffComm(frames), TAGS[1]!, TAGS[2]!, aiffSsnd(frames), ...TAGS.slice(3)]);

  it('sniffs FORM AIFF and AIFC from the bytes', () => {
    expect(sniffFormat(file)).toBe('aiff');
    expect(sniffFormat(form('AIFC', [aiffComm(1)]))).toBe('aiff');
    expect(sniffFormat(Buffer.from('FORM\0\0\0\x04ILBM', 'latin1'))).toBeUndefined();
  });
  it('keeps COMM and SSND byte for byte and drops every other chunk', async () => {
    const plan = await planAiff(bufferSource(file));
    const out = materialise(plan.segments, file);
    expect(out.includes('SNDRMARK')).toBe(false);
    expect(out.equals(form('AIFF', [aiffComm(frames), aiffSsnd(frames)]))).toBe(true);
    expect(plan.info).toEqual({ kind: 'audio', durationMs: Math.round((frames / 44100) * 1000) });
    expect(await codeOf(verifyAiff(bufferSource(out)))).toBe('OK');
  });
  it('keeps AIFF-C\'s FVER and its COMM with the compression type', async () => {
    const commC = iffChunk('COMM', Buffer.concat([u16(1), u32(4), u16(16), RATE_44100, Buffer.from('NONE\x0enot compressed\0', 'latin1')]));
    const fver = iffChunk('FVER', u32(0xa2805140));
    const c = form('AIFC', [fver, commC, TAGS[3]!, aiffSsnd(4)]);
    const out = materialise((await planAiff(bufferSource(c))).segments, c);
    expect(out.equals(form('AIFC', [fver, commC, aiffSsnd(4)]))).toBe(true);
  });
  it('the verifier fails on the tagged input; no COMM is malformed', async () => {
    expect(await codeOf(verifyAiff(bufferSource(file)))).toBe('MEDIA_VERIFY_FAILED');
    expect(await codeOf(planAiff(bufferSource(form('AIFF', [aiffSsnd(4)]))))).toBe('MEDIA_MALFORMED');
  });
  it('reads the 80-bit sample rate', () => {
    expect(extended80(RATE_44100, 0)).toBe(44100);
    expect(extended80(Buffer.from([0x40, 0x0f, 0xbb, 0x80, 0, 0, 0, 0, 0, 0]), 0)).toBe(96000);
  });
});

describe.skipIf(!hasDebianFfmpeg)('AIFF / AIFF-C against ffmpeg and exiftool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sunder-aiff-'));
  const stripper = createMediaStripper({ concurrency: 1 });
  afterAll(async () => {
    await stripper.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ff = (args: string[]): void => void execFileSync(FFMPEG, ['-v', 'error', '-nostdin', '-y', ...args]);

  // ffmpeg's aiff muxer writes AIFF for big-endian 16-bit PCM and AIFF-C for the rest, with an ID3
  // chunk on request; the tag chunks of recorders and Apple tools are spliced in after it.
  it.each([
    ['AIFF, 16-bit PCM', 'pcm_s16be'],
    ['AIFF-C, 32-bit float', 'pcm_f32be'],
    ['AIFF-C, little-endian sowt', 'pcm_s16le'],
  ])('%s: samples identical, no tag left', async (_name, codec) => {
    const made = join(dir, `${codec}.aiff`);
    ff(['-f', 'lavfi', '-i', 'sine=f=440:d=0.3', '-ac', '2', '-c:a', codec, '-write_id3v2', '1', '-metadata', 'title=SNDRMARK_ID3_TITLE', '-metadata', 'artist=SNDRMARK_ID3_ARTIST', made]);
    const raw = readFileSync(made);
    const spliced = Buffer.concat([raw.subarray(0, 12), ...TAGS.slice(0, 8), raw.subarray(12)]);
    spliced.writeUInt32BE(spliced.length - 8, 4);
    const inPath = join(dir, `${codec}.in.aiff`);
    writeFileSync(inPath, spliced);
    const r = await stripper.strip(inPath);
    expect(r.info).toMatchObject({ format: 'aiff', kind: 'audio', mime: 'audio/aiff', durationMs: 300 });
    const out = await collect(r);
    const outPath = join(dir, `${codec}.out.aiff`);
    writeFileSync(outPath, out);
    expect(spliced.includes('SNDRMARK_ID3_TITLE')).toBe(true);
    expect(out.includes('SNDRMARK')).toBe(false);
    expect(streamHashes(outPath, false)).toBe(streamHashes(inPath, false));
    if (hasExiftool) expect(exiftool(outPath)).not.toMatch(/SNDRMARK|Title|Artist|Author|Copyright|Annotation|Comment/i);
  });
});
