/**
 * The files of one export, each written once through a hashing tap (the SHA-256 of what the
 * customer will read, for SHA256SUMS) and, with `sealTo`, sealed in the age format on the way
 * to disk (`NAME.age`), so no plaintext of a sealed export touches the disk. Memory: a stream
 * chunk or two per open file.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeDirs } from '../../dirs.js';
import { osError } from '../../os-errors.js';
import { SEALED_SUFFIX, sealStage } from '../seal.js';

export interface WrittenFile {
  /** Path inside the export, `/`-separated, as SHA256SUMS lists it (before any `.age`). */
  name: string;
  sha256: string;
  bytes: number;
}

/** A file being written piece by piece (the manifest, a tar shard). */
export interface OpenFile {
  write(chunk: Buffer | string): Promise<void>;
  close(): Promise<WrittenFile>;
  /** Bytes taken so far (plaintext). */
  readonly bytes: number;
}

export class OutputFiles {
  /** Every file listed in SHA256SUMS, in the order written. */
  readonly written: WrittenFile[] = [];
  private readonly dirs = new Set<string>();

  constructor(readonly dir: string, private readonly sealTo?: string) {}

  get sealed(): boolean {
    return this.sealTo !== undefined;
  }

  /** The path on disk of export file `name`. */
  pathOf(name: string): string {
    return join(this.dir, ...name.split('/')) + (this.sealTo === undefined ? '' : SEALED_SUFFIX);
  }

  /** Writes `source` to `name` and returns its hash; `listed: false` keeps it out of SHA256SUMS. */
  async fromStream(name: string, source: Readable | AsyncIterable<Buffer>, options: { listed?: boolean } = {}): Promise<WrittenFile> {
    const file = this.open(name, options);
    for await (const chunk of source) await file.write(chunk as Buffer);
    return file.close();
  }

  async fromBytes(name: string, data: Buffer | string, options: { listed?: boolean } = {}): Promise<WrittenFile> {
    const file = this.open(name, options);
    await file.write(data);
    return file.close();
  }

  open(name: string, options: { listed?: boolean } = {}): OpenFile {
    const path = this.pathOf(name);
    const parent = join(path, '..');
    if (!this.dirs.has(parent)) {
      makeDirs(parent);
      this.dirs.add(parent);
    }
    const hash = createHash('sha256');
    let bytes = 0;
    let taken = 0;
    const input = new PassThrough();
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const out = createWriteStream(path, { mode: 0o600 });
    let failure: unknown;
    const flowing = (this.sealTo === undefined ? pipeline(input, tap, out) : pipeline(input, tap, sealStage(this.sealTo), out)).catch((err: unknown) => {
      failure ??= osError(err, { what: 'writing the export', path });
      // The writer may be waiting for 'drain' that never comes.
      input.destroy();
    });
    const throwIfFailed = () => {
      if (failure !== undefined) throw failure;
    };
    const written = this.written;
    const listed = options.listed !== false;
    return {
      get bytes() {
        return taken;
      },
      async write(chunk) {
        throwIfFailed();
        taken += Buffer.byteLength(chunk);
        if (input.write(chunk)) return;
        await new Promise<void>((resolve) => {
          const done = () => {
            input.off('drain', done);
            input.off('close', done);
            resolve();
          };
          input.on('drain', done);
          input.on('close', done);
        });
        throwIfFailed();
      },
      async close() {
        input.end();
        await flowing;
        throwIfFailed();
        const file = { name, sha256: hash.digest('hex'), bytes };
        if (listed) written.push(file);
        return file;
      },
    };
  }
}
