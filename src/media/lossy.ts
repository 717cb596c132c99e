import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { mediaError } from './fail.js';
import { checkPixels, DEFAULT_MAX_PIXELS } from './limits.js';

/** A region in stored pixel coordinates, e.g. a face box from the customer's own detector. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * LOSSY operations. Unlike `strip()`, these change pixels and re-encode the image; use them only
 * where a policy asks for it (faces in exports, downscaled previews). The output carries no
 * metadata at all (sharp's default), and orientation is applied to the pixels first.
 */
export interface LossyImageOps {
  /** Regions to blur with a Gaussian of this sigma. */
  blur?: { boxes: Box[]; sigma?: number };
  /** Regions to pixelate into blocks of this many pixels. */
  pixelate?: { boxes: Box[]; block?: number };
  /** Fit inside this many pixels on the longer side, never enlarging. */
  maxDimension?: number;
  /** Output encoding. @default 'png' (lossless after the lossy edits) */
  output?: 'png' | 'jpeg' | 'webp';
  /** Largest declared width x height accepted (MEDIA_TOO_MANY_PIXELS), checked before decoding. @default 268_402_689 */
  maxPixels?: number;
}

/** LOSSY: applies {@link LossyImageOps} to an image file and returns the re-encoded bytes. */
export async function applyLossyImageOps(input: string | Buffer, ops: LossyImageOps): Promise<{ data: Buffer; width: number; height: number }> {
  let base: Sharp;
  let meta: { width: number; height: number };
  let raw: Buffer;
  const maxPixels = ops.maxPixels ?? DEFAULT_MAX_PIXELS;
  let declared: { width?: number; height?: number };
  try {
    declared = await sharp(input, { limitInputPixels: false }).metadata(); // the header only: the limit is ours to apply
  } catch {
    throw mediaError('MEDIA_MALFORMED', 'image cannot be decoded');
  }
  checkPixels(declared, maxPixels);
  try {
    base = sharp(input, { failOn: 'error', limitInputPixels: maxPixels }).rotate();
    const r = await base.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    raw = r.data;
    meta = { width: r.info.width, height: r.info.height };
  } catch {
    throw mediaError('MEDIA_MALFORMED', 'image cannot be decoded');
  }
  const composites: OverlayOptions[] = [];
  const region = (b: Box): Box => {
    const left = Math.max(0, Math.floor(b.left));
    const top = Math.max(0, Math.floor(b.top));
    const width = Math.min(meta.width - left, Math.ceil(b.width));
    const height = Math.min(meta.height - top, Math.ceil(b.height));
    if (width <= 0 || height <= 0) throw mediaError('CONFIG_INVALID', 'a box lies outside the image');
    return { left, top, width, height };
  };
  const rawIn = { raw: { width: meta.width, height: meta.height, channels: 4 as const } };
  for (const b of ops.blur?.boxes ?? []) {
    const r = region(b);
    const piece = await sharp(raw, rawIn).extract(r).blur(ops.blur?.sigma ?? 12).png().toBuffer();
    composites.push({ input: piece, left: r.left, top: r.top });
  }
  for (const b of ops.pixelate?.boxes ?? []) {
    const r = region(b);
    const block = Math.max(2, ops.pixelate?.block ?? 16);
    // PNG, not sharp's default for raw input (raw pixels, which the next sharp() cannot read).
    const small = await sharp(raw, rawIn).extract(r).resize(Math.max(1, Math.ceil(r.width / block)), Math.max(1, Math.ceil(r.height / block)), { kernel: 'nearest' }).png().toBuffer();
    const piece = await sharp(small).resize(r.width, r.height, { kernel: 'nearest', fit: 'fill' }).png().toBuffer();
    composites.push({ input: piece, left: r.left, top: r.top });
  }
  let img = sharp(raw, rawIn).composite(composites);
  if (ops.maxDimension !== undefined) {
    img = sharp(await img.png().toBuffer()).resize(ops.maxDimension, ops.maxDimension, { fit: 'inside', withoutEnlargement: true });
  }
  const fmt = ops.output ?? 'png';
  const { data, info } = await (fmt === 'jpeg' ? img.flatten().jpeg({ quality: 90 }) : fmt === 'webp' ? img.webp({ quality: 90 }) : img.png()).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
