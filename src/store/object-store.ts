/**
 * Where business objects and media live. Keys are ids the pipeline makes up (`segments/<id>`,
 * `media/<id>`), never anything derived from personal data: a file named after a person is
 * itself personal data.
 */
import type { Readable } from 'node:stream';

export interface ObjectStore {
  /** Short driver name for messages (`fs`, `s3`). */
  readonly name: string;
  /** Writes the whole object or nothing: a reader never sees a torn object. */
  put(key: string, body: Uint8Array | Readable | AsyncIterable<Uint8Array>): Promise<{ bytes: number }>;
  get(key: string): Promise<Readable>;
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  has(key: string): Promise<boolean>;
  /** Deleting a key that does not exist is not an error (recovery deletes what may never have been written). */
  delete(key: string): Promise<void>;
  /** Deletes many keys, in as few requests as the driver can (S3: 1,000 a request); missing keys are not an error. */
  deleteMany(keys: readonly string[]): Promise<void>;
  list(prefix: string): AsyncIterable<string>;
  /** Releases connections; the store is not used afterwards. Optional: the fs store holds none. */
  close?(): Promise<void>;
}

/** Object keys are made of safe characters only; anything else is a bug in the caller. */
export function assertSafeKey(key: string): void {
  if (!/^[a-z]+\/[A-Za-z0-9_-]{8,64}(?:\.[a-z0-9]{1,8})?$/.test(key)) {
    throw new Error(`[sunder] object key does not have the form <prefix>/<id>`);
  }
}
