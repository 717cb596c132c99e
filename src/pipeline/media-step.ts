/**
 * Media in the pipeline: strip (lossless, verified), hash the stripped bytes, encrypt them in
 * streaming chunks to the subject, and store them under a random id. Bytes flow end to end
 * through streams, so a multi-gigabyte video never sits in memory, and only a few files are in
 * flight at once: a batch hands over all its records' files together, and each open file holds
 * a read chunk, cipher buffers and a write queue, so memory would otherwise grow with the batch.
 */
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import PQueue from 'p-queue';
import { mediaContext } from '../crypto/contexts.js';
import { createEncryptStream } from '../crypto/stream.js';
import { SunderError } from '../errors.js';
import { createMediaStripper, type MediaStripperOptions } from '../media/index.js';
import type { MediaLimits } from '../media/limits.js';
import type { MediaKind, MediaRef } from '../record/schema.js';
import type { ObjectStore } from '../store/object-store.js';
import type { MediaStep, StoredMedia } from './batch.js';

/** Which stripped media classes satisfy each declared media kind. */
const ACCEPTS: Record<MediaKind, readonly string[]> = {
  audio: ['audio'],
  image: ['image'],
  portrait: ['image'],
  video: ['video'],
};

/** Options for {@link createMediaStep}: the stripper's, plus how many files stream at once. */
export interface MediaStepOptions extends MediaStripperOptions {
  /**
   * How many media files are stripped, encrypted and stored at the same time; the rest wait.
   * Bounds memory whatever the batch size (measured before this limit: 100 records of 8 MiB in
   * one batch took 514 MiB of RSS).
   * @default os.availableParallelism()
   */
  filesInFlight?: number;
}

/** Refuses a path that leads outside the media root, by name or through a symbolic link. */
async function insideRoot(root: string, path: string): Promise<void> {
  const outside = (from: string, to: string): boolean => {
    const rel = relative(from, to);
    return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  };
  if (outside(root, path)) throw new SunderError('MEDIA_NOT_FOUND', 'the media path leads outside the media root');
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return; // missing: the stripper says MEDIA_NOT_FOUND
  }
  if (outside(await realpath(root), real)) throw new SunderError('MEDIA_NOT_FOUND', 'the media path leads outside the media root');
}

/** What the Ingestor hands a media step: where files go, where they are read from, the run's limits. */
export interface MediaStepContext {
  store: ObjectStore;
  mediaRoot: string;
  /** The policy's `input.maxMediaBytes` / `input.maxMediaPixels`; options given in code win. */
  limits?: MediaLimits;
}

export function createMediaStep(ctx: MediaStepContext, options: MediaStepOptions = {}): MediaStep {
  const { filesInFlight, ...stripperOptions } = options;
  const stripper = createMediaStripper({
    ...(ctx.limits === undefined ? {} : { maxBytes: ctx.limits.maxBytes, maxPixels: ctx.limits.maxPixels }),
    ...stripperOptions,
  });
  const root = resolve(ctx.mediaRoot);
  const slots = new PQueue({ concurrency: Math.max(1, filesInFlight ?? availableParallelism()) });
  const storeOne = async (ref: MediaRef, target: Parameters<MediaStep['store']>[1]): Promise<StoredMedia> => {
    const path = resolve(root, ref.path);
    await insideRoot(root, path);
    const stripped = await stripper.strip(path);
    try {
      if (!ACCEPTS[ref.kind].includes(stripped.info.kind)) {
        throw new SunderError('MEDIA_UNSUPPORTED', `the file holds ${stripped.info.kind} (${stripped.info.format}) but the record declares ${ref.kind}`);
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      const encrypted = stripped.stream
        .pipe(tap)
        .pipe(createEncryptStream(target.recipient, {
          objectId: target.objectId, keyId: target.keyId, context: mediaContext(2, target.pseudonym, target.project, target.recordId, stripped.info.kind),
        }));
      stripped.stream.on('error', (err) => encrypted.destroy(err));
      tap.on('error', (err) => encrypted.destroy(err));
      await ctx.store.put(target.objectKey, encrypted);
      const info = stripped.info;
      return {
        id: target.objectId.toString('base64url'),
        kind: info.kind,
        format: info.format,
        mime: info.mime,
        bytes,
        sha256: hash.digest('hex'),
        ...(info.width === undefined ? {} : { width: info.width }),
        ...(info.height === undefined ? {} : { height: info.height }),
        ...(info.durationMs === undefined ? {} : { durationMs: info.durationMs }),
      };
    } finally {
      await stripped.dispose();
    }
  };
  return {
    store: async (ref, target) => (await slots.add(() => storeOne(ref, target)))!,
    close: async () => {
      await slots.onIdle();
      await stripper.close();
    },
  };
}
