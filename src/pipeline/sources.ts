/**
 * Sources turn input into a stream of numbered items. A line or row that is not a record still
 * becomes an item (with a parse error), so it still gets its one outcome.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse';
import { SunderError } from '../errors.js';
import type { Policy } from '../record/policy.js';

export type SourceItem = { index: number; value: unknown } | { index: number; parseError: string };

export type RecordSource = AsyncIterable<unknown> | Iterable<unknown> | Readable;

/** How a byte stream holds records. */
export type InputFormat = 'ndjson' | 'csv';

/**
 * What a file's name says: `.csv` is CSV, anything else NDJSON; a trailing `.gz` means gzip
 * (`archive.ndjson.gz`, `export.csv.gz`), read as a stream, never unpacked to disk.
 */
export function formatOfName(path: string): { format: InputFormat; gzip: boolean } {
  const gzip = /\.gz$/i.test(path);
  const bare = gzip ? path.slice(0, -3) : path;
  return { format: /\.csv$/i.test(bare) ? 'csv' : 'ndjson', gzip };
}

/** zlib's codes for a corrupt or truncated compressed stream. */
function isCorruptCompression(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'Z_NEED_DICT';
}
const CORRUPT_COMPRESSION = 'the compressed input is corrupt or truncated here; the rest of it could not be read';

/** A line longer than this is reported as a parse error rather than buffered without end. */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

async function openFile(path: string): Promise<Readable> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a file');
  } catch {
    throw new SunderError('FILE_NOT_FOUND', `input file not found: ${path}`);
  }
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/** Newline-delimited JSON; blank lines are not records. */
export async function* ndjsonItems(input: Readable | string): AsyncGenerator<SourceItem> {
  const stream = typeof input === 'string' ? await openFile(input) : input;
  // TextDecoder: 1.6x StringDecoder's speed on mixed Chinese/ASCII input (measured on the ingest
  // bench's 77 MB file: 392 vs 242 MB/s). It also drops a leading byte-order mark, which would
  // otherwise make the first line invalid JSON; invalid bytes become U+FFFD either way.
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let index = 0;
  let overlong = false;
  const emit = (line: string): SourceItem | undefined => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { index: index++, parseError: 'not valid JSON' };
    }
    return { index: index++, value };
  };
  try {
    for await (const chunk of stream) {
      const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk as Buffer, { stream: true }));
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        if (overlong) {
          overlong = false;
          yield { index: index++, parseError: `line longer than ${MAX_LINE_CHARS} characters` };
        } else {
          const item = emit(text.slice(start, nl));
          if (item !== undefined) yield item;
        }
        start = nl + 1;
      }
      carry = text.slice(start);
      if (carry.length > MAX_LINE_CHARS) {
        overlong = true;
        carry = '';
      }
    }
  } catch (err) {
    // Records before the damage keep their outcomes; what follows it cannot be counted, so it
    // becomes one parse error rather than an exception that would lose the run's outcomes.
    if (!isCorruptCompression(err)) throw err;
    yield { index: index++, parseError: CORRUPT_COMPRESSION };
    return;
  }
  carry += decoder.decode();
  if (overlong) yield { index: index++, parseError: `line longer than ${MAX_LINE_CHARS} characters` };
  else {
    const item = emit(carry);
    if (item !== undefined) yield item;
  }
}

const BOOLEAN_PATHS = new Set(['consent.crossBorder', 'consent.guardianConsent']);
const LIST_PATHS = new Set(['consent.scopes']);

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: Record<string, unknown> = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    const nextIsIndex = /^\d+$/.test(parts[i + 1]!);
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = nextIsIndex ? [] : {};
    node = node[key] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function cellValue(path: string, cell: string, listSeparator: string): unknown {
  if (LIST_PATHS.has(path)) return cell.split(listSeparator).map((s) => s.trim()).filter((s) => s !== '');
  if (BOOLEAN_PATHS.has(path)) return cell === 'true' ? true : cell === 'false' ? false : cell;
  return cell;
}

/**
 * CSV with a header row. Each header is a dotted record path (`subject.phone`) unless the policy
 * maps it (`{"手机": "subject.phone"}`); empty cells are absent fields.
 */
export async function* csvItems(input: Readable | string, policy: Policy): AsyncGenerator<SourceItem> {
  const stream = typeof input === 'string' ? await openFile(input) : input;
  const parser = stream.pipe(
    parseCsv({ bom: true, delimiter: policy.csv.delimiter, relax_column_count: true, skip_empty_lines: true }),
  );
  stream.on('error', (err) => parser.destroy(err)); // pipe() does not forward a source's error
  let header: string[] | undefined;
  let index = 0;
  try {
    for await (const row of parser as AsyncIterable<string[]>) {
      if (header === undefined) {
        header = row.map((h) => policy.csv.columns[h.trim()] ?? h.trim());
        continue;
      }
      if (row.length !== header.length) {
        yield { index: index++, parseError: `expected ${header.length} columns, got ${row.length}` };
        continue;
      }
      const value: Record<string, unknown> = {};
      header.forEach((path, i) => {
        const cell = row[i]!;
        if (cell !== '') setPath(value, path, cellValue(path, cell, policy.csv.listSeparator));
      });
      yield { index: index++, value };
    }
  } catch (err) {
    // A broken quote leaves the rest of the file unreadable; say so once rather than guess rows.
    yield { index: index++, parseError: isCorruptCompression(err) ? CORRUPT_COMPRESSION : 'CSV syntax error (unterminated quote?); the rest of the file was not read' };
  }
}

/** Objects from an async iterable, an iterable, or a Readable in object mode. */
export async function* objectItems(source: RecordSource): AsyncGenerator<SourceItem> {
  let index = 0;
  for await (const value of source as AsyncIterable<unknown>) yield { index: index++, value };
}

/** Records from a byte stream (a socket, standard input, an HTTP body) in the given format. */
export function streamItems(stream: Readable, format: InputFormat, policy: Policy): AsyncGenerator<SourceItem> {
  // Checked here, not left to a default: a misspelt 'CSV' would read every row as a bad JSON line.
  if (format !== 'csv' && format !== 'ndjson') {
    throw new SunderError('CONFIG_INVALID', "expected `format` to be 'ndjson' or 'csv'", { path: ['format'] });
  }
  return format === 'csv' ? csvItems(stream, policy) : ndjsonItems(stream);
}

/** Picks the reader by the file's name (see `formatOfName`), unless `format` says otherwise. */
export async function* fileItems(path: string, policy: Policy, format?: InputFormat): AsyncGenerator<SourceItem> {
  const named = formatOfName(path);
  const raw = await openFile(path);
  // pipeline(): a read error reaches the reader through gunzip, and a reader that stops early
  // closes the file too. Its own callback has nothing to add: the reader sees every error.
  const stream = named.gzip ? pipeline(raw, createGunzip(), () => undefined) : raw;
  yield* streamItems(stream, format ?? named.format, policy);
}
