/**
 * Media that must not reach a parser: a FIFO (a plain open() waits for a writer for ever), a
 * socket, a device, a file over the size limit, and an image whose header declares more pixels
 * than allowed (a decompression bomb is a few KiB of zeros under huge dimensions).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyLossyImageOps, createMediaStripper } from '../../src/media/index.js';
import { FileSource } from '../../src/media/source.js';
import { pngDeclaring } from '../helpers/png.js';
import { tempDir } from '../helpers/tmp.js';

describe('media file checks', () => {
  const dir = tempDir();

  it('refuses a FIFO at once (MEDIA_NOT_REGULAR) instead of waiting for a writer', async () => {
    const fifo = join(dir, 'photo.jpg');
    execFileSync('mkfifo', [fifo]);
    await expect(FileSource.open(fifo)).rejects.toMatchObject({ code: 'MEDIA_NOT_REGULAR', message: expect.stringContaining('a FIFO') });
    const stripper = createMediaStripper();
    await expect(stripper.strip(fifo)).rejects.toMatchObject({ code: 'MEDIA_NOT_REGULAR' });
    await stripper.close();
  });

  it('refuses a socket, a device and a directory', async () => {
    const sock = join(dir, 'voice.wav');
    const server = createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    await expect(FileSource.open(sock)).rejects.toMatchObject({ code: 'MEDIA_NOT_REGULAR' });
    server.close();
    await expect(FileSource.open('/dev/null')).rejects.toMatchObject({ code: 'MEDIA_NOT_REGULAR', message: expect.stringContaining('a device') });
    await expect(FileSource.open(dir)).rejects.toMatchObject({ code: 'MEDIA_NOT_REGULAR' });
  });

  it('refuses a file over maxBytes before reading it', async () => {
    const path = join(dir, 'big.png');
    writeFileSync(path, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer());
    const small = createMediaStripper({ maxBytes: 100 });
    await expect(small.strip(path)).rejects.toMatchObject({ code: 'MEDIA_TOO_LARGE' });
    await small.close();
  });
});

describe('declared pixel limits', () => {
  const dir = tempDir();

  it('refuses a PNG bomb from its header (MEDIA_TOO_MANY_PIXELS), and accepts the same file under the limit', async () => {
    const bomb = join(dir, 'bomb.png');
    writeFileSync(bomb, pngDeclaring(100_000, 100_000));
    const stripper = createMediaStripper();
    await expect(stripper.strip(bomb)).rejects.toMatchObject({ code: 'MEDIA_TOO_MANY_PIXELS' });
    const ok = join(dir, 'ok.png');
    writeFileSync(ok, pngDeclaring(64, 64));
    const r = await stripper.strip(ok);
    expect(r.info).toMatchObject({ width: 64, height: 64 });
    await r.dispose();
    await stripper.close();
  });

  it('refuses a PNG bomb in the lossy operations too, before decoding it', async () => {
    await expect(applyLossyImageOps(pngDeclaring(100_000, 100_000), { maxDimension: 10 })).rejects.toMatchObject({ code: 'MEDIA_TOO_MANY_PIXELS' });
    await expect(applyLossyImageOps(pngDeclaring(64, 64), { maxDimension: 10, maxPixels: 64 * 64 - 1 })).rejects.toMatchObject({ code: 'MEDIA_TOO_MANY_PIXELS' });
    const real = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
    expect(await applyLossyImageOps(real, { maxDimension: 10 })).toMatchObject({ width: 10, height: 10 });
  });

  it.each(['jpeg', 'webp', 'tiff'] as const)('checks the declared dimensions of %s against maxPixels', async (format) => {
    const path = join(dir, `img.${format}`);
    const img = sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } });
    writeFileSync(path, await (format === 'jpeg' ? img.jpeg() : format === 'webp' ? img.webp({ lossless: true }) : img.tiff()).toBuffer());
    const tight = createMediaStripper({ maxPixels: 300 * 200 - 1 });
    await expect(tight.strip(path)).rejects.toMatchObject({ code: 'MEDIA_TOO_MANY_PIXELS' });
    await tight.close();
    const exact = createMediaStripper({ maxPixels: 300 * 200 });
    const r = await exact.strip(path);
    expect(r.info).toMatchObject({ width: 300, height: 200 });
    await r.dispose();
    await exact.close();
  });
});
