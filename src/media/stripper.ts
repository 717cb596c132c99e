import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import PQueue from 'p-queue';
import { mediaError } from './fail.js';
import { checkPixels, DEFAULT_MAX_MEDIA_BYTES, DEFAULT_MAX_PIXELS } from './limits.js';
import { planAiff, verifyAiff } from './formats/aiff.js';
import { planFlac, verifyFlac } from './formats/flac.js';
import { planHeif, verifyHeifOutput } from './formats/heif.js';
import { planBmff } from './formats/isobmff-plan.js';
import { verifyBmffOutput } from './formats/isobmff-verify.js';
import { planOgg, verifyOggOutput } from './formats/ogg-plan.js';
import { planJpeg, verifyJpeg } from './formats/jpeg.js';
import { planMp3, verifyMp3 } from './formats/mp3.js';
import { planPng, verifyPng } from './formats/png.js';
import { planWav, verifyWav } from './formats/wav.js';
import { planWebp, verifyWebp } from './formats/webp.js';
import { id3v2Size, skipLeadingId3, sniffVerdict, type SniffVerdict } from './sniff.js';
import { coalesce, emitSegments, FileSource, segmentsLength, VirtualSource, type ByteSource } from './source.js';
import { reencodeTiff } from './tiff.js';
import { MIME, type MediaFormat, type MediaInfo, type Plan } from './types.js';

/** Options for {@link createMediaStripper}. */
export interface MediaStripperOptions {
  /**
   * How many sharp jobs (TIFF re-encodes) run at once. In-process rewriters, containers
   * included, are I/O-bound and not queued; no format spawns a process.
   * @default os.availableParallelism()
   */
  concurrency?: number;
  /**
   * Re-parse every output and fail with MEDIA_VERIFY_FAILED unless only whitelisted structures
   * remain (for containers: only real audio and video tracks, and zeros wherever a dropped track
   * or box was); for TIFF, that decoded pixels are identical.
   * @default true
   */
  verify?: boolean;
  /**
   * Largest input file accepted; a bigger one fails with MEDIA_TOO_LARGE before it is read.
   * @default 4 GiB
   */
  maxBytes?: number;
  /**
   * Largest image accepted, as declared width x height, checked from the header before anything
   * decodes (a PNG or WebP bomb declares huge dimensions over a few KiB of zeros), and passed to
   * sharp as `limitInputPixels`. Fails with MEDIA_TOO_MANY_PIXELS.
   * @default 268_402_689 (sharp's own default, 16383 x 16383)
   */
  maxPixels?: number;
  /**
   * Parent of the private (0700) folder that holds temp outputs of sharp (TIFF).
   * @default os.tmpdir()
   */
  tempDir?: string;
}

/** A stripped file, ready to be hashed, encrypted and stored. */
export interface StripResult {
  info: MediaInfo;
  /**
   * The stripped bytes, streamed with bounded memory (one 1 MiB chunk at a time for in-process
   * rewriters). Errors with a SunderError MEDIA_* if the input changes while it is read.
   */
  stream: Readable;
  /** Releases the input handle and removes temp files. Idempotent; call it after the stream ends or on abort. */
  dispose(): Promise<void>;
}

export interface MediaStripper {
  /**
   * Sniffs `inputPath` from its bytes, strips every metadata structure, verifies the result and
   * returns it as a stream. Rejects with SunderError MEDIA_UNKNOWN_FORMAT, MEDIA_UNSUPPORTED,
   * MEDIA_MALFORMED, MEDIA_TRUNCATED, MEDIA_VERIFY_FAILED, MEDIA_TOOL_FAILED (sharp, TIFF only) or
   * MEDIA_NOT_FOUND; messages never contain the file name or any value read from the file.
   */
  strip(inputPath: string): Promise<StripResult>;
  /** Waits for queued jobs and removes the private temp folder. */
  close(): Promise<void>;
}

type Rewriter = { plan: (s: ByteSource) => Promise<Plan>; verify: (s: ByteSource) => Promise<void> };
const REWRITERS: Partial<Record<MediaFormat, Rewriter>> = {
  jpeg: { plan: planJpeg, verify: verifyJpeg },
  png: { plan: planPng, verify: verifyPng },
  webp: { plan: planWebp, verify: verifyWebp },
  wav: { plan: planWav, verify: verifyWav },
  flac: { plan: planFlac, verify: verifyFlac },
  mp3: { plan: planMp3, verify: verifyMp3 },
  mp4: { plan: (s) => planBmff(s, 'mp4'), verify: (s) => verifyBmffOutput(s, 'mp4') },
  mov: { plan: (s) => planBmff(s, 'mov'), verify: (s) => verifyBmffOutput(s, 'mov') },
  m4a: { plan: (s) => planBmff(s, 'm4a'), verify: (s) => verifyBmffOutput(s, 'm4a') },
  ogg: { plan: planOgg, verify: verifyOggOutput },
  aiff: { plan: planAiff, verify: verifyAiff },
  heic: { plan: (s) => planHeif(s, 'heic'), verify: (s) => verifyHeifOutput(s, 'heic') },
  avif: { plan: (s) => planHeif(s, 'avif'), verify: (s) => verifyHeifOutput(s, 'avif') },
};

const KIND: Record<MediaFormat, MediaInfo['kind']> = {
  jpeg: 'image', png: 'image', webp: 'image', tiff: 'image', wav: 'audio', flac: 'audio', mp3: 'audio', mp4: 'video', mov: 'video', m4a: 'audio', ogg: 'audio', aiff: 'audio', heic: 'image', avif: 'image',
};

/** Sniffs an open file, reading past a leading ID3v2 tag when the head does not reach beyond it. */
export async function sniffSource(src: FileSource): Promise<SniffVerdict> {
  if (src.size === 0) throw mediaError('MEDIA_TRUNCATED', 'file is empty');
  const head = Buffer.from(await src.read(0, Math.min(4096, src.size)));
  if (id3v2Size(head) > 0) {
    // Past every leading tag (there can be several back to back), however long they are.
    const tag = await skipLeadingId3(src, () => mediaError('MEDIA_TRUNCATED', 'mp3: ID3v2 tag runs past the end'));
    if (tag >= src.size) return { format: 'mp3' }; // tags and nothing else: the MP3 rewriter says so
    const after = Buffer.from(await src.read(tag, Math.min(4096, src.size - tag)));
    const v = sniffVerdict(Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), after]));
    return v;
  }
  return sniffVerdict(head);
}

export function createMediaStripper(options: MediaStripperOptions = {}): MediaStripper {
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1) throw mediaError('CONFIG_INVALID', 'expected `concurrency` to be an integer from 1 and up');
  const verify = options.verify ?? true;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MEDIA_BYTES;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxBytes > 0) || !(maxPixels > 0)) throw mediaError('CONFIG_INVALID', 'expected `maxBytes` and `maxPixels` to be positive numbers');
  const queue = new PQueue({ concurrency });
  let dirPromise: Promise<string> | undefined;
  const privateDir = (): Promise<string> =>
    (dirPromise ??= (async () => {
      const d = await mkdtemp(join(options.tempDir ?? tmpdir(), 'sunder-media-'));
      await chmod(d, 0o700);
      return d;
    })());
  let closed = false;

  async function strip(inputPath: string): Promise<StripResult> {
    if (closed) throw mediaError('CONFIG_INVALID', 'stripper is closed');
    const src = await FileSource.open(inputPath, { maxBytes });
    let handedOver = false;
    try {
      const verdict = await sniffSource(src);
      if (verdict === undefined) throw mediaError('MEDIA_UNKNOWN_FORMAT', 'bytes match no allowlisted media format');
      if ('refused' in verdict) throw mediaError('MEDIA_UNSUPPORTED', `${verdict.refused} is not supported`);
      const format = verdict.format;
      const rw = REWRITERS[format];
      if (rw !== undefined) {
        const plan = await rw.plan(src);
        checkPixels(plan.info, maxPixels);
        const segments = coalesce(plan.segments);
        if (verify) await rw.verify(new VirtualSource(segments, src));
        const { kind, ...rest } = plan.info;
        const info: MediaInfo = { format, kind: kind ?? KIND[format], mime: MIME[format], ...stripUndefined(rest), bytes: segmentsLength(segments) };
        const stream = Readable.from(emitSegments(segments, src), { objectMode: false, highWaterMark: 1 << 20 });
        stream.once('close', () => void src.close());
        handedOver = true;
        return { info, stream, dispose: once(async () => { stream.destroy(); await src.close(); }) };
      }
      await src.close();
      const dir = await privateDir();
      // Only TIFF is left off the in-process path: it is re-encoded losslessly by sharp.
      if (format !== 'tiff') throw mediaError('MEDIA_UNSUPPORTED', `${format} has no rewriter`);
      const res = (await queue.add(() => reencodeTiff(inputPath, dir, verify, maxPixels)))!;
      const stream = createReadStream(res.path, { highWaterMark: 1 << 20 });
      const dispose = once(async () => {
        stream.destroy();
        await rm(res.path, { force: true });
      });
      return { info: { format, mime: MIME[format], ...stripUndefined(res.info) } as MediaInfo, stream, dispose };
    } finally {
      if (!handedOver) await src.close();
    }
  }

  return {
    strip,
    async close() {
      closed = true;
      await queue.onIdle();
      if (dirPromise) await rm(await dirPromise, { recursive: true, force: true });
    },
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
