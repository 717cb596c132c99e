/**
 * Media de-identification: sniff a file from its bytes, strip every metadata structure without
 * touching a pixel or sample, verify the output, and stream it.
 *
 * ```ts
 * const stripper = createMediaStripper();
 * const { info, stream, dispose } = await stripper.strip(path);
 * try { await pipeline(stream, hasher, encryptor, store); } finally { await dispose(); }
 * await stripper.close();
 * ```
 */
export { createMediaStripper, type MediaStripper, type MediaStripperOptions, type StripResult } from './stripper.js';
export { sniffFormat } from './sniff.js';
export { MEDIA_FORMATS, MIME, type MediaClass, type MediaFormat, type MediaInfo } from './types.js';
export { applyLossyImageOps, type Box, type LossyImageOps } from './lossy.js';
