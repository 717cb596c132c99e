/**
 * Media in the pipeline: strip (lossless, verified), hash the stripped bytes, encrypt them in
 * streaming chunks to the subject, and store them under a random id. Bytes flow end to end
 * through streams, so a multi-gigabyte video never sits in memory.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { createEncryptStream } from '../crypto/stream.js';
import { SunderError } from '../errors.js';
import { createMediaStripper, type MediaStripperOptions } from '../media/index.js';
import type { MediaKind } from '../record/schema.js';
import type { ObjectStore } from '../store/object-store.js';
import type { MediaStep, StoredMedia } from './batch.js';

/** Which stripped media classes satisfy each declared media kind. */
const ACCEPTS: Record<MediaKind, readonly string[]> = {
  audio: ['audio'],
  image: ['image'],
  portrait: ['image'],
  video: ['video'],
};

export function createMediaStep(ctx: { store: ObjectStore; mediaRoot: string }, options: MediaStripperOptions = {}): MediaStep {
  const stripper = createMediaStripper(options);
  const root = resolve(ctx.mediaRoot);
  return {
    async store(ref, target): Promise<StoredMedia> {
      const path = resolve(root, ref.path);
      const rel = relative(root, path);
      if (rel.startsWith('..') || isAbsolute(rel)) {
        throw new SunderError('MEDIA_NOT_FOUND', 'the media path leads outside the media root');
      }
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
          .pipe(createEncryptStream(target.recipient, { objectId: target.objectId, keyId: target.keyId, context: `media|${target.pseudonym}` }));
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
    },
    close: () => stripper.close(),
  };
}
