/**
 * WebDataset layout: tar shards (`shard-000000.tar`, ...) of bounded size, each sample a
 * `KEY.json` plus its media files `KEY.<ext>`, written with tar-stream as the samples come.
 * A media file streams from the decrypting stream into its tar entry when its size is known
 * (the stored media entry records it); one of unknown size is spooled to a file first, since a
 * tar header carries the size before the data. A shard is closed before a sample would take
 * it past the shard size; a sample larger than the limit gets a shard of its own.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { pack as tarPack, type Pack } from 'tar-stream';
import { SunderError } from '../../errors.js';
import type { OpenFile, OutputFiles } from './output-files.js';
import { finishExport, type Signing } from './finish.js';
import type { ExportSink, SampleMedia, SinkResult, WrittenMedia } from './sink.js';

export const DEFAULT_SHARD_SIZE = 1_000_000_000;
const BLOCK = 512;
/** A tar member's size on the tape: its header and its data padded to whole blocks. */
const tarSize = (bytes: number) => BLOCK + Math.ceil(bytes / BLOCK) * BLOCK;
/** Two zero blocks end a tar; GNU tar pads the last record to 10 KiB, tar-stream does not. */
const TAR_END = 2 * BLOCK;

export const shardName = (n: number) => `shard-${String(n).padStart(6, '0')}.tar`;

interface Shard {
  pack: Pack;
  file: OpenFile;
  pumped: Promise<void>;
  bytes: number;
  samples: number;
}

/** Writes one entry whose bytes come from `source`, with backpressure. */
async function writeEntry(pack: Pack, name: string, size: number, source: AsyncIterable<Buffer> | Iterable<Buffer>, hash?: ReturnType<typeof createHash>): Promise<void> {
  let done!: (err?: unknown) => void;
  const added = new Promise<void>((resolve, reject) => {
    done = (err) => (err ? reject(err) : resolve());
  });
  const entry = pack.entry({ name, size, mode: 0o644, mtime: new Date(0) }, (err) => done(err ?? undefined));
  try {
    let n = 0;
    for await (const chunk of source) {
      n += chunk.length;
      if (n > size) throw new SunderError('STORE_CORRUPT', 'a media file is longer than its stored size says');
      hash?.update(chunk);
      if (!entry.write(chunk)) await once(entry, 'drain');
    }
    if (n !== size) throw new SunderError('STORE_CORRUPT', 'a media file is shorter than its stored size says');
    // streamx's Writable.end takes an optional chunk the typings call required.
    (entry as unknown as { end(): void }).end();
  } catch (err) {
    entry.destroy(err as Error);
    await added.catch(() => undefined);
    throw err;
  }
  await added;
}

export class WebDatasetSink implements ExportSink {
  readonly format = 'webdataset' as const;
  private shard: Shard | undefined;
  private shards = 0;
  private spools = 0;

  constructor(private readonly files: OutputFiles, private readonly signing: Signing, private readonly shardSize = DEFAULT_SHARD_SIZE) {}

  private openShard(): Shard {
    const pack = tarPack();
    const file = this.files.open(shardName(this.shards++));
    const pumped = (async () => {
      for await (const chunk of pack as unknown as AsyncIterable<Buffer>) await file.write(chunk);
    })();
    // Surfaced by closeShard or the next entry write; never an unhandled rejection meanwhile.
    pumped.catch(() => undefined);
    return { pack, file, pumped, bytes: 0, samples: 0 };
  }

  private async closeShard(): Promise<void> {
    const s = this.shard;
    if (s === undefined) return;
    this.shard = undefined;
    s.pack.finalize();
    await s.pumped;
    await s.file.close();
  }

  /** A media file of unknown size, spooled beside the export so its size is known for the header. */
  private async spool(m: SampleMedia): Promise<{ size: number; stream: () => Readable; done: () => Promise<void> }> {
    const path = join(this.files.dir, `.spool-${this.spools++}`);
    await pipeline(m.stream, createWriteStream(path, { mode: 0o600 }));
    return { size: (await stat(path)).size, stream: () => createReadStream(path), done: () => rm(path, { force: true }) };
  }

  async addSample(line: Record<string, unknown> & { id: string }, media: SampleMedia[]): Promise<void> {
    const key = line.id;
    if (!/^[A-Za-z0-9_-]+$/.test(key)) throw new SunderError('INTERNAL', 'a webdataset key must be a plain id (no dots or slashes)');
    const sources = [];
    for (const m of media) sources.push(m.size !== undefined ? { size: m.size, stream: () => m.stream, done: async () => undefined } : await this.spool(m));
    // Names: KEY.<ext>, or KEY.<n>.<ext> when the sample has two files of one extension.
    const perExt = new Map<string, number>();
    for (const m of media) perExt.set(m.ext, (perExt.get(m.ext) ?? 0) + 1);
    const names = media.map((m, i) => (perExt.get(m.ext)! > 1 ? `${key}.${i}.${m.ext}` : `${key}.${m.ext}`));
    // The JSON's size depends on the media hashes, known only after the media is written: its
    // share of the budget is estimated with placeholder hashes of the same length.
    const estimateJson = Buffer.byteLength(JSON.stringify({ ...line, media: media.map((m, i) => ({ id: m.id, file: names[i], ...m.meta, sha256: '0'.repeat(64) })) }));
    const sampleBytes = tarSize(estimateJson) + sources.reduce((n, s) => n + tarSize(s.size), 0);
    if (this.shard !== undefined && this.shard.samples > 0 && this.shard.bytes + sampleBytes + TAR_END > this.shardSize) await this.closeShard();
    this.shard ??= this.openShard();
    const shard = this.shard;
    const entries: WrittenMedia[] = [];
    try {
      for (const [i, m] of media.entries()) {
        const hash = createHash('sha256');
        const source = sources[i]!;
        await writeEntry(shard.pack, names[i]!, source.size, source.stream() as AsyncIterable<Buffer>, hash);
        entries.push({ id: m.id, file: names[i]!, ...m.meta, sha256: hash.digest('hex') });
      }
    } finally {
      for (const s of sources) await s.done();
    }
    if (media.length > 0) line.media = entries;
    const json = Buffer.from(JSON.stringify(line), 'utf8');
    await writeEntry(shard.pack, `${key}.json`, json.length, [json]);
    shard.bytes += tarSize(json.length) + sources.reduce((n, s) => n + tarSize(s.size), 0);
    shard.samples++;
  }

  async addFile(name: string, content: string | Buffer): Promise<void> {
    await this.files.fromBytes(name, content);
  }

  async finish(): Promise<SinkResult> {
    await this.closeShard();
    return finishExport(this.files, this.format, this.signing);
  }

  async abort(): Promise<void> {
    const s = this.shard;
    this.shard = undefined;
    if (s === undefined) return;
    s.pack.destroy();
    await s.file.close().catch(() => undefined);
  }
}
