/**
 * The embedded object store: one file per object under a root folder. `put` writes to a
 * temporary name, fsyncs, renames and fsyncs the folder, so an object is either whole or absent
 * after a crash, never torn.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SunderError } from '../errors.js';
import { osError } from '../os-errors.js';
import type { ObjectStore } from './object-store.js';
import { assertSafeKey } from './object-store.js';

export class FsObjectStore implements ObjectStore {
  readonly name = 'fs';
  private readonly madeDirs = new Set<string>();

  constructor(private readonly root: string) {}

  private path(key: string): string {
    assertSafeKey(key);
    return join(this.root, key);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.madeDirs.add(dir);
  }

  async put(key: string, body: Uint8Array | Readable | AsyncIterable<Uint8Array>): Promise<{ bytes: number }> {
    const final = this.path(key);
    const dir = dirname(final);
    try {
      await this.ensureDir(dir);
    } catch (err) {
      throw osError(err, { what: 'the object store folder', path: dir });
    }
    const tmp = `${final}.tmp-${randomBytes(6).toString('hex')}`;
    let bytes = 0;
    try {
      if (body instanceof Uint8Array) {
        const fh = await open(tmp, 'wx', 0o600);
        try {
          await fh.writeFile(body);
          await fh.sync();
        } finally {
          await fh.close();
        }
        bytes = body.byteLength;
      } else {
        const source = body instanceof Readable ? body : Readable.from(body);
        const counter = async function* (src: AsyncIterable<Uint8Array>) {
          for await (const chunk of src) {
            bytes += chunk.byteLength;
            yield chunk;
          }
        };
        await pipeline(source, counter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
        const fh = await open(tmp, 'r');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
      await rename(tmp, final);
      const dh = await open(dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw osError(err, { what: 'writing an object', path: tmp });
    }
    return { bytes };
  }

  async get(key: string): Promise<Readable> {
    const p = this.path(key);
    await this.mustExist(key, p);
    return createReadStream(p);
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    const p = this.path(key);
    let fh;
    try {
      fh = await open(p, 'r');
    } catch (err) {
      throw missingOr(err, key, p);
    }
    try {
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      if (bytesRead !== length) throw new SunderError('STORE_CORRUPT', `[fs] object ${key} is shorter than the vault says`);
      return buf;
    } finally {
      await fh.close();
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await stat(this.path(key));
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    const p = this.path(key);
    await rm(p, { force: true }).catch((err: unknown) => {
      throw osError(err, { what: 'deleting an object', path: p });
    });
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertSafeKey(key);
    for (const key of keys) await this.delete(key);
  }

  async *list(prefix: string): AsyncIterable<string> {
    let names: string[];
    try {
      names = await readdir(join(this.root, prefix));
    } catch {
      return;
    }
    for (const n of names.sort()) if (!n.includes('.tmp-')) yield `${prefix}/${n}`;
  }

  /** Removes temporary files a crash left behind; they never became objects. */
  async sweepTemporaries(prefixes: string[]): Promise<number> {
    let removed = 0;
    for (const prefix of prefixes) {
      let names: string[] = [];
      try {
        names = await readdir(join(this.root, prefix));
      } catch {
        continue;
      }
      for (const n of names) {
        if (n.includes('.tmp-')) {
          const p = join(this.root, prefix, n);
          await rm(p, { force: true }).catch((err: unknown) => {
            throw osError(err, { what: 'removing a temporary object', path: p });
          });
          removed++;
        }
      }
    }
    return removed;
  }

  private async mustExist(key: string, p: string): Promise<void> {
    try {
      await stat(p);
    } catch (err) {
      throw missingOr(err, key, p);
    }
  }
}

/** A missing object is a corrupt store (the vault names it); any other failure is the OS's. */
function missingOr(err: unknown, key: string, path: string): unknown {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new SunderError('STORE_CORRUPT', `[fs] object ${key} is missing from the store`);
  return osError(err, { what: 'reading an object', path });
}
