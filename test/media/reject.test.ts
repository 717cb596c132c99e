import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isSunderError } from '../../src/errors.js';
import { verifyJpeg } from '../../src/media/formats/jpeg.js';
import { verifyPng } from '../../src/media/formats/png.js';
import { createMediaStripper, sniffFormat } from '../../src/media/index.js';
import { FileSource } from '../../src/media/source.js';
import { collect } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sunder-reject-'));
const stripper = createMediaStripper({ concurrency: 1 });
afterAll(async () => {
  await stripper.close();
  rmSync(dir, { recursive: true, force: true });
});
// A file named after a person, with a phone number: neither may reach an error message.
const personal = (ext: string): string => join(dir, `Zhang_Wei_13800138000.${ext}`);

async function code(path: string): Promise<string> {
  try {
    await collect(await stripper.strip(path));
    return 'OK';
  } catch (err) {
    expect(isSunderError(err)).toBe(true);
    const msg = (err as Error).message;
    expect(msg).not.toMatch(/Zhang|13800138000|sunder-reject/);
    return (err as { code: string }).code;
  }
}

describe('rejection with a reason', async () => {
  const jpg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } }).png().toBuffer();

  it('unknown bytes', async () => {
    writeFileSync(personal('jpg'), Buffer.from('just some text pretending to be a photo'));
    expect(await code(personal('jpg'))).toBe('MEDIA_UNKNOWN_FORMAT');
  });
  it('empty file', async () => {
    writeFileSync(personal('png'), Buffer.alloc(0));
    expect(await code(personal('png'))).toBe('MEDIA_TRUNCATED');
  });
  it('missing file', async () => {
    expect(await code(personal('gone'))).toBe('MEDIA_NOT_FOUND');
  });
  it('truncated JPEG (no EOI)', async () => {
    writeFileSync(personal('jpeg'), jpg.subarray(0, jpg.length - 40));
    expect(await code(personal('jpeg'))).toBe('MEDIA_TRUNCATED');
  });
  it('truncated PNG (no IEND)', async () => {
    writeFileSync(personal('png'), png.subarray(0, png.length - 12));
    expect(await code(personal('png'))).toBe('MEDIA_TRUNCATED');
  });
  it('malformed PNG chunk header', async () => {
    const bad = Buffer.from(png);
    bad.write('I\x01AT', 37, 'latin1');
    writeFileSync(personal('png'), bad);
    expect(await code(personal('png'))).toBe('MEDIA_MALFORMED');
  });
  it('a HEIF image sequence brand is refused as unsupported', async () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypmsf1\0\0\0\0mif1heic')]);
    writeFileSync(personal('mp4'), heic);
    expect(await code(personal('mp4'))).toBe('MEDIA_UNSUPPORTED');
  });
  it('truncated MP4 (moov runs past the end) is MEDIA_TRUNCATED', async () => {
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('ftypisom\0\0\0\0isom'), Buffer.from([0, 0, 1, 0]), Buffer.from('moov')]);
    writeFileSync(personal('mov'), mp4);
    expect(await code(personal('mov'))).toBe('MEDIA_TRUNCATED');
  });
  it('sniffs from bytes, never the extension', () => {
    expect(sniffFormat(jpg)).toBe('jpeg');
    expect(sniffFormat(png)).toBe('png');
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBe('wav');
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0AVI LIST'))).toBeUndefined();
    expect(sniffFormat(Buffer.from('%PDF-1.7'))).toBeUndefined();
  });
  it('the verifiers fail on unstripped input (they can fail)', async () => {
    const withCom = Buffer.concat([jpg.subarray(0, 2), Buffer.from([0xff, 0xfe, 0, 5, 0x41, 0x42, 0x43]), jpg.subarray(2)]);
    writeFileSync(join(dir, 'a.jpg'), withCom);
    const s = await FileSource.open(join(dir, 'a.jpg'));
    await expect(verifyJpeg(s)).rejects.toMatchObject({ code: 'MEDIA_VERIFY_FAILED' });
    await s.close();
    writeFileSync(join(dir, 'b.png'), Buffer.concat([png, Buffer.from('trailer')]));
    const p = await FileSource.open(join(dir, 'b.png'));
    await expect(verifyPng(p)).rejects.toMatchObject({ code: 'MEDIA_VERIFY_FAILED' });
    await p.close();
  });
  it('streams a large WAV in bounded chunks', async () => {
    const data = 48 * 1024 * 1024;
    const fmt = Buffer.from('fmt \x10\0\0\0\x01\0\x02\0\x80\xbb\0\0\0\xee\x02\0\x04\0\x10\0', 'latin1');
    const head = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE'), fmt, Buffer.from('data'), Buffer.alloc(4)]);
    head.writeUInt32LE(head.length - 8 + data, 4);
    head.writeUInt32LE(data, head.length - 4);
    writeFileSync(join(dir, 'big.wav'), Buffer.concat([head, Buffer.alloc(data, 7)]));
    const r = await stripper.strip(join(dir, 'big.wav'));
    let max = 0;
    let total = 0;
    for await (const c of r.stream) {
      max = Math.max(max, (c as Buffer).length);
      total += (c as Buffer).length;
    }
    await r.dispose();
    expect(total).toBe(head.length + data);
    expect(max).toBeLessThanOrEqual(1 << 20);
    expect(readFileSync(join(dir, 'big.wav')).length).toBe(total);
  });
});
