/**
 * Pixel limits. A decompression bomb is a few KiB of zeros under huge declared dimensions, so
 * the declared width x height is checked from the header, before anything decodes it.
 */
import { mediaError } from './fail.js';

/** Largest media file accepted by default (policy `input.maxMediaBytes`). */
export const DEFAULT_MAX_MEDIA_BYTES = 4 * 1024 ** 3;

/** The media limits a run applies: from the policy's `input` section, the CLI flags over it. */
export interface MediaLimits {
  maxBytes: number;
  maxPixels: number;
}

/** sharp's default `limitInputPixels`: 0x3FFF squared (268,402,689). */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

/** Refuses an image whose declared dimensions exceed the limit (MEDIA_TOO_MANY_PIXELS). */
export function checkPixels(info: { width?: number | undefined; height?: number | undefined }, maxPixels: number): void {
  if (info.width === undefined || info.height === undefined) return;
  if (info.width * info.height > maxPixels) throw mediaError('MEDIA_TOO_MANY_PIXELS', `image declares more than ${maxPixels} pixels`);
}
