import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { mediaError, truncated } from './fail.js';
import type { Segment } from './types.js';

/** Random access to bytes. Rewriters parse through this, so the same parser can re-read their output. */
export interface ByteSource {
  readonly size: number;
  /** Exactly `len` bytes at `pos`, or MEDIA_TRUNCATED. The result may be a view: do not keep it past the next read. */
  read(pos: number, len: number): Promise<Buffer>;
}

// Header walks are sequential and tiny (PNG writes 8 KiB IDATs, MP3 frames are ~400 bytes), so one
// syscall per header would dominate; a read-ahead window turns them into one syscall per 256 KiB.
const WINDOW = 256 * 1024;
/** Chunk size for copying ranges to the output stream; bounds memory per open stream. */
export const COPY_CHUNK = 1024 * 1024;

export class FileSource implements ByteSource {
  private winPos = 0;
  private win: Buffer = Buffer.alloc(0);

  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    readonly mtimeMs: number,
  ) {}

  /**
   * Opens a regular file for reading. A FIFO, device or socket is refused (MEDIA_NOT_REGULAR)
   * without blocking: a plain open() of a FIFO waits for a writer, for ever. O_NONBLOCK makes
   * that open return at once; it changes nothing for a regular file. A file over `maxBytes` is
   * refused (MEDIA_TOO_LARGE) before a byte is read.
   */
  static async open(path: string, limits: { maxBytes?: number } = {}): Promise<FileSource> {
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      // The fs error text carries the path; keep only its code.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw mediaError('MEDIA_NOT_FOUND', 'input file does not exist');
      // A socket cannot be opened at all (ENXIO); a FIFO without a reader can (O_RDONLY).
      if (code === 'ENXIO' || code === 'ENODEV') throw mediaError('MEDIA_NOT_REGULAR', 'input is not a regular file (a socket or device)');
      throw mediaError('MEDIA_NOT_FOUND', `input file cannot be opened (${code ?? 'error'})`);
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      const what = st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isDirectory() ? 'a directory' : 'not a file';
      throw mediaError('MEDIA_NOT_REGULAR', `input is not a regular file (${what})`);
    }
    if (limits.maxBytes !== undefined && st.size > limits.maxBytes) {
      await fh.close();
      throw mediaError('MEDIA_TOO_LARGE', `input is larger than the limit of ${limits.maxBytes} bytes`);
    }
    return new FileSource(fh, st.size, st.mtimeMs);
  }

  async read(pos: number, len: number): Promise<Buffer> {
    if (pos < 0 || len < 0 || pos + len > this.size) throw truncated('file', 'a structure runs past the end of the file');
    if (pos >= this.winPos && pos + len <= this.winPos + this.win.length) {
      return this.win.subarray(pos - this.winPos, pos - this.winPos + len);
    }
    const want = Math.min(Math.max(len, WINDOW), this.size - pos);
    const buf = await this.readExact(pos, want);
    this.win = buf;
    this.winPos = pos;
    return buf.subarray(0, len);
  }

  /** A fresh buffer (never a shared window), for handing to a consumer. */
  async readExact(pos: number, len: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(len);
    let off = 0;
    while (off < len) {
      const { bytesRead } = await this.fh.read(buf, off, len - off, pos + off);
      if (bytesRead === 0) throw truncated('file', 'the file shrank while it was being read');
      off += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/** Total length of a segment list. */
export function segmentsLength(segments: readonly Segment[]): number {
  let n = 0;
  for (const s of segments) n += Buffer.isBuffer(s) ? s.length : s.end - s.start;
  return n;
}

/** Joins ranges that touch, so the copy loop issues large reads. */
export function coalesce(segments: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (Buffer.isBuffer(s)) {
      if (s.length > 0) out.push(s);
    } else if (s.end > s.start) {
      if (last !== undefined && !Buffer.isBuffer(last) && last.end === s.start) out[out.length - 1] = { start: last.start, end: s.end };
      else out.push({ ...s });
    }
  }
  return out;
}

/**
 * The planned output seen as a file, without materialising it: verification re-parses exactly
 * the bytes that will be streamed, from the same segment list the stream is built from.
 */
export class VirtualSource implements ByteSource {
  readonly size: number;
  private readonly starts: number[] = [];

  constructor(
    private readonly segments: readonly Segment[],
    private readonly base: ByteSource,
  ) {
    let at = 0;
    for (const s of segments) {
      this.starts.push(at);
      at += Buffer.isBuffer(s) ? s.length : s.end - s.start;
    }
    this.size = at;
  }

  async read(pos: number, len: number): Promise<Buffer> {
    if (pos < 0 || len < 0 || pos + len > this.size) throw truncated('output', 'a structure runs past the end of the output');
    // Binary search for the segment holding `pos`.
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    const parts: Buffer[] = [];
    let need = len;
    let at = pos;
    for (let i = lo; need > 0 && i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const segStart = this.starts[i]!;
      const off = at - segStart;
      const segLen = Buffer.isBuffer(seg) ? seg.length : seg.end - seg.start;
      const take = Math.min(need, segLen - off);
      if (take <= 0) continue;
      parts.push(Buffer.isBuffer(seg) ? seg.subarray(off, off + take) : Buffer.from(await this.base.read(seg.start + off, take)));
      need -= take;
      at += take;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}

/** Streams a plan's segments with at most one copy chunk in flight. */
export async function* emitSegments(segments: readonly Segment[], src: FileSource): AsyncGenerator<Buffer> {
  for (const s of segments) {
    if (Buffer.isBuffer(s)) {
      yield s;
      continue;
    }
    for (let at = s.start; at < s.end; at += COPY_CHUNK) yield await src.readExact(at, Math.min(COPY_CHUNK, s.end - at));
  }
}

/**
 * Finds the next JPEG marker at or after `pos` inside entropy-coded data: an 0xFF followed by a
 * byte that is neither a stuffed zero, a restart marker nor fill. Returns the marker's offset.
 */
export async function findJpegMarker(src: ByteSource, pos: number): Promise<number> {
  const CH = 1024 * 1024;
  let at = pos;
  while (at < src.size - 1) {
    const len = Math.min(CH, src.size - at);
    const buf = await src.read(at, len);
    let i = buf.indexOf(0xff);
    while (i !== -1) {
      if (i + 1 >= buf.length) break; // 0xFF at the chunk edge: re-read from it
      const b = buf[i + 1]!;
      if (b !== 0x00 && b !== 0xff && !(b >= 0xd0 && b <= 0xd7)) return at + i;
      i = buf.indexOf(0xff, b === 0xff ? i + 1 : i + 2);
    }
    if (i !== -1) {
      at += i;
      if (at >= src.size - 1) break;
      continue;
    }
    at += len;
  }
  throw truncated('jpeg', 'entropy-coded data has no end marker');
}
