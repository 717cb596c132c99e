/**
 * The opt-in LOSSY image operations (blur, pixelate, downscale), with real sharp: the pixels
 * inside a box change, those outside do not, orientation is applied first, and nothing of the
 * input's metadata survives.
 */
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyLossyImageOps } from '../../src/index.js';

const W = 64;
const H = 48;

/** A deterministic busy RGB pattern (a blur or pixelation visibly changes it), as a PNG. */
async function pattern(extra?: (s: Sharp) => Sharp): Promise<Buffer> {
  const raw = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = (y * W + x) * 3;
    raw[i] = (x * 37 + y * 11) & 255;
    raw[i + 1] = ((x ^ y) * 29) & 255;
    raw[i + 2] = (x * y * 7) & 255;
  }
  const s = sharp(raw, { raw: { width: W, height: H, channels: 3 } });
  return (extra ? extra(s) : s).png().toBuffer();
}

async function rgba(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const box = { left: 16, top: 8, width: 24, height: 20 };
const inside = (x: number, y: number) => x >= box.left && x < box.left + box.width && y >= box.top && y < box.top + box.height;

function changed(a: Buffer, b: Buffer, where: (x: number, y: number) => boolean): { changed: number; of: number } {
  let n = 0;
  let of = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if (!where(x, y)) continue;
    of++;
    const i = (y * W + x) * 4;
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
  }
  return { changed: n, of };
}

describe('applyLossyImageOps', () => {
  it('blurs inside the box only', async () => {
    const input = await pattern();
    const out = await applyLossyImageOps(input, { blur: { boxes: [box], sigma: 4 } });
    expect(out).toMatchObject({ width: W, height: H });
    const [a, b] = [await rgba(input), await rgba(out.data)];
    expect(changed(a.data, b.data, (x, y) => !inside(x, y)).changed).toBe(0);
    const c = changed(a.data, b.data, inside);
    expect(c.changed / c.of).toBeGreaterThan(0.9);
  });

  it('pixelates inside the box into blocks, and leaves the rest alone', async () => {
    const input = await pattern();
    const out = await applyLossyImageOps(input, { pixelate: { boxes: [box], block: 8 } });
    const [a, b] = [await rgba(input), await rgba(out.data)];
    const colours = (img: Buffer) => {
      const seen = new Set<number>();
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (inside(x, y)) seen.add(img.readUInt32BE((y * W + x) * 4));
      return seen.size;
    };
    // A 24x20 box in blocks of 8 is at most 3x3 blocks: at most 9 colours, from hundreds.
    expect(colours(a.data)).toBeGreaterThan(100);
    expect(colours(b.data)).toBeLessThanOrEqual(9);
    expect(changed(a.data, b.data, (x, y) => !inside(x, y)).changed).toBe(0);
  });

  it('applies orientation first, fits maxDimension, and keeps no metadata', async () => {
    // EXIF orientation 6: stored 64x48, displayed rotated a quarter turn (48x64).
    const input = await pattern((s) => s.withMetadata({ orientation: 6, exif: { IFD0: { Artist: 'CANARY-ARTIST', Copyright: 'CANARY-COPY' } } }));
    expect((await sharp(input).metadata()).exif).toBeDefined();
    const out = await applyLossyImageOps(input, { maxDimension: 32, output: 'jpeg' });
    expect(out).toMatchObject({ width: 24, height: 32 });
    const meta = await sharp(out.data).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(out.data.includes(Buffer.from('CANARY'))).toBe(false);
  });

  it('refuses a box outside the image and bytes that are no image, with stable codes', async () => {
    await expect(applyLossyImageOps(await pattern(), { blur: { boxes: [{ left: 100, top: 0, width: 10, height: 10 }] } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(applyLossyImageOps(Buffer.from('not an image at all'), {})).rejects.toMatchObject({ code: 'MEDIA_MALFORMED' });
  });
});
