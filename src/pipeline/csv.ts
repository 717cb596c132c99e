/**
 * CSV records over strictly decoded lines (RFC 4180: `"` quotes a field, `""` is a quote inside
 * one, a quoted field may hold line ends). Line-aware so that one bad row cannot take the rest
 * of the file with it: a quote that opens a field and never closes would otherwise swallow every
 * later row. The rule (documented in docs/input.md):
 *
 * - a record may span lines only inside a quoted field, and only up to `maxRecordLines` lines;
 * - a record that spans lines but is still open after that many lines, is still open at the end
 *   of the input, or does not come out with the header's column count, is taken as a stray
 *   quote: its first line is reported, and reading resumes at the line after it.
 *
 * Every physical line thus ends up in exactly one record or one error.
 */
import type { Line, LineBad, LineOk } from './lines.js';

export type CsvRecord =
  | { line: number; bytes: number; fields: string[] }
  | { line: number; bytes: number; code: 'PARSE_ERROR' | LineBad['code']; reason: string; column?: number };

type Parsed = { fields: string[] } | { open: true } | { error: string; column: number };

/** Parses one record's text; `open` when a quoted field runs to the end of the text. */
export function parseCsvText(text: string, delimiter: string): Parsed {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    const column = fields.length + 1;
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return { open: true };
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return { fields };
      if (text[i] !== delimiter) return { error: 'a closing quote is followed by text before the delimiter', column };
      i++;
      continue;
    }
    const end = text.indexOf(delimiter, i);
    const value = end === -1 ? text.slice(i) : text.slice(i, end);
    if (value.includes('"')) return { error: 'a quote inside an unquoted field', column };
    fields.push(value);
    if (end === -1) return { fields };
    i = end + 1;
  }
}

export interface CsvOptions {
  delimiter: string;
  /** Lines one record may span (inside quoted fields). 1: a quoted field never holds a line end. */
  maxRecordLines: number;
  /** Bytes one record may take, all its lines together. */
  maxRecordBytes: number;
  /** Column count a multi-line record must come out with; undefined until the header is read. */
  columns: () => number | undefined;
}

/** Groups lines into CSV records; see the file comment for how a stray quote is contained. */
export async function* csvRecords(lines: AsyncIterable<Line>, options: CsvOptions): AsyncGenerator<CsvRecord> {
  const queue: Line[] = [];
  let pending: LineOk[] = [];
  let pendingBytes = 0;

  /** The pending record is not a record: report its first line, read the rest again. */
  function* fail(reason: string, code: 'PARSE_ERROR' | 'RECORD_TOO_LARGE' = 'PARSE_ERROR'): Generator<CsvRecord> {
    const [first, ...rest] = pending;
    pending = [];
    pendingBytes = 0;
    queue.unshift(...rest);
    yield { line: first!.line, bytes: first!.bytes, code, reason: `line ${first!.line}: ${reason}` };
  }

  function* drain(): Generator<CsvRecord> {
    while (queue.length > 0) {
      const l = queue.shift()!;
      if (!('text' in l)) {
        if (pending.length > 0) {
          queue.unshift(l);
          yield* fail('a quoted field is not closed before a line that could not be read');
          continue;
        }
        yield { line: l.line, bytes: l.bytes, code: l.code, reason: l.reason };
        continue;
      }
      if (pending.length === 0 && l.text.trim() === '') continue;
      pending.push(l);
      pendingBytes += l.bytes;
      // One line is already bounded by the line reader; this bounds a record's lines together.
      if (pending.length > 1 && pendingBytes > options.maxRecordBytes) {
        yield* fail(`the record is longer than the limit of ${options.maxRecordBytes} bytes`, 'RECORD_TOO_LARGE');
        continue;
      }
      const text = pending.length === 1 ? l.text : pending.map((p, k) => (k === 0 ? '' : pending[k - 1]!.crlf ? '\r\n' : '\n') + p.text).join('');
      const parsed = parseCsvText(text, options.delimiter);
      if ('open' in parsed) {
        if (pending.length >= options.maxRecordLines) yield* fail(`a quoted field is not closed within ${options.maxRecordLines} line(s)`);
        continue;
      }
      if ('error' in parsed) {
        if (pending.length === 1) {
          pending = [];
          pendingBytes = 0;
          yield { line: l.line, bytes: l.bytes, code: 'PARSE_ERROR', reason: `line ${l.line}, column ${parsed.column}: ${parsed.error}`, column: parsed.column };
        } else yield* fail('a quoted field opened here does not close properly');
        continue;
      }
      const columns = options.columns();
      if (pending.length > 1 && columns !== undefined && parsed.fields.length !== columns) {
        yield* fail(`a quoted field opened here spans lines but the record does not have ${columns} columns (stray quote?)`);
        continue;
      }
      const first = pending[0]!;
      pending = [];
      pendingBytes = 0;
      yield { line: first.line, bytes: l.offset + l.bytes - first.offset, fields: parsed.fields };
    }
  }

  for await (const line of lines) {
    queue.push(line);
    yield* drain();
  }
  while (pending.length > 0) {
    yield* fail('a quoted field is not closed before the end of the input');
    yield* drain();
  }
}
