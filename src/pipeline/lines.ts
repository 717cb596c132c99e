/**
 * Lines of a byte stream, decoded strictly. Input that is not valid in its encoding is never
 * patched with U+FFFD: the line is reported (line number and byte offset of the first bad byte)
 * so the operator can name the right encoding. A line is bounded in bytes: a longer one is
 * skipped to its end without being buffered and reported as too large.
 */
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import type { InputEncoding } from '../record/policy.js';

/** One physical line. `offset` is the byte offset of its first byte in the stream, `line` is 1-based. */
export interface LineOk {
  line: number;
  offset: number;
  bytes: number;
  text: string;
  /** The line ended in CR LF (the CR is not in `text`). */
  crlf: boolean;
}
export interface LineBad {
  line: number;
  offset: number;
  bytes: number;
  code: 'INPUT_ENCODING' | 'RECORD_TOO_LARGE';
  reason: string;
}
export type Line = LineOk | LineBad;

export interface LineOptions {
  /** @default 'utf-8' */
  encoding?: InputEncoding;
  /** A line longer than this many bytes (without its line end) is reported, not buffered. */
  maxLineBytes: number;
}

const BOMS: Record<InputEncoding, Buffer> = {
  'utf-8': Buffer.from([0xef, 0xbb, 0xbf]),
  gb18030: Buffer.from([0x84, 0x31, 0x95, 0x33]),
  big5: Buffer.alloc(0),
  'utf-16le': Buffer.from([0xff, 0xfe]),
};

/**
 * Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, nothing
 * past U+10FFFF), or -1. Only run on a line `isUtf8` refused, so speed does not matter here.
 */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b < 0x80) n = 0;
    else if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Decodes one line; a string, or the offset (within the line) of the first byte that is not valid. */
function decode(buf: Buffer, encoding: InputEncoding): string | number {
  if (encoding === 'utf-8') return isUtf8(buf) ? buf.toString('utf8') : firstInvalidUtf8(buf);
  if (encoding === 'utf-16le') {
    if (buf.length % 2 !== 0) return buf.length - 1;
    const text = buf.toString('utf16le');
    const bad = LONE_SURROGATE.exec(text);
    return bad === null ? text : bad.index * 2;
  }
  const text = iconv.decode(buf, encoding, { stripBOM: false });
  const bad = text.indexOf('\ufffd');
  // iconv-lite replaces what it cannot map with U+FFFD; a real U+FFFD survives the round trip.
  if (bad === -1 || iconv.encode(text, encoding).equals(buf)) return text;
  return iconv.encode(text.slice(0, bad), encoding).length;
}

/**
 * Re-chunks UTF-16 input to even lengths, so every chunk starts on a code unit and a line end
 * (0A 00) is never split between chunks.
 */
async function* evenChunks(stream: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let odd: Buffer | undefined;
  for await (const c of stream) {
    let buf = typeof c === 'string' ? Buffer.from(c, 'utf16le') : c;
    if (odd !== undefined) buf = Buffer.concat([odd, buf]);
    odd = buf.length % 2 === 1 ? buf.subarray(buf.length - 1) : undefined;
    yield odd === undefined ? buf : buf.subarray(0, buf.length - 1);
  }
  if (odd !== undefined) yield odd;
}

/** Index of the next line feed at or after `from`, in the encoding's code units. */
function nextLineFeed(buf: Buffer, from: number, wide: boolean): number {
  if (!wide) return buf.indexOf(0x0a, from);
  for (let i = buf.indexOf(0x0a, from); i !== -1; i = buf.indexOf(0x0a, i + 1)) {
    if (i % 2 === 0 && buf[i + 1] === 0x00) return i;
  }
  return -1;
}

/** The stream's lines, in order. Errors from the stream itself (a corrupt gzip) pass through. */
export async function* linesOf(stream: Readable | AsyncIterable<Buffer | string>, options: LineOptions): AsyncGenerator<Line> {
  const encoding = options.encoding ?? 'utf-8';
  const wide = encoding === 'utf-16le';
  const nlLen = wide ? 2 : 1;
  const max = options.maxLineBytes;
  const chunks = wide ? evenChunks(stream as AsyncIterable<Buffer>) : (stream as AsyncIterable<Buffer | string>);
  let parts: Buffer[] = [];
  let partsLen = 0;
  let skipped = 0; // bytes of an overlong line dropped so far (0: not skipping)
  let lineNo = 1;
  let offset = 0;

  const finish = (buf: Buffer | undefined, len: number): Line => {
    const line = lineNo++;
    const at = offset;
    offset += len;
    if (buf === undefined) {
      return { line, offset: at, bytes: len, code: 'RECORD_TOO_LARGE', reason: `line ${line} is longer than the limit of ${max} bytes` };
    }
    let body = buf;
    let bomLen = 0;
    const bom = BOMS[encoding];
    if (line === 1 && bom.length > 0 && body.length >= bom.length && body.subarray(0, bom.length).equals(bom)) {
      body = body.subarray(bom.length);
      bomLen = bom.length;
    }
    const decoded = decode(body, encoding);
    if (typeof decoded === 'number') {
      const where = at + bomLen + decoded;
      return { line, offset: at, bytes: len, code: 'INPUT_ENCODING', reason: `line ${line}: byte offset ${where} is not valid ${encoding}; name the file's encoding (--encoding gb18030|big5|utf-16le)` };
    }
    const crlf = decoded.endsWith('\r');
    return { line, offset: at, bytes: len, text: crlf ? decoded.slice(0, -1) : decoded, crlf };
  };

  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let nl = nextLineFeed(buf, 0, wide); nl !== -1; nl = nextLineFeed(buf, start, wide)) {
      const piece = buf.subarray(start, nl);
      if (skipped > 0 || partsLen + piece.length > max) {
        yield finish(undefined, skipped + partsLen + piece.length + nlLen);
        skipped = 0;
      } else {
        const whole = parts.length === 0 ? piece : Buffer.concat([...parts, piece]);
        yield finish(whole, whole.length + nlLen);
      }
      parts = [];
      partsLen = 0;
      start = nl + nlLen;
    }
    const rest = buf.subarray(start);
    if (skipped > 0) skipped += rest.length;
    else if (partsLen + rest.length > max) {
      skipped = partsLen + rest.length;
      parts = [];
      partsLen = 0;
    } else if (rest.length > 0) {
      // Copy: the stream may reuse its buffer, and a view would pin the whole chunk.
      parts.push(Buffer.from(rest));
      partsLen += rest.length;
    }
  }
  if (skipped > 0) yield finish(undefined, skipped);
  else if (partsLen > 0) yield finish(Buffer.concat(parts), partsLen);
}
