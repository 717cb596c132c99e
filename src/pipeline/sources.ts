/**
 * Sources turn input into a stream of numbered items. A line or row that is not a record still
 * becomes an item (with a parse error, its line, and the field where one is known), so it still
 * gets its one outcome. Text is decoded strictly (lines.ts) and bounded per record.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SunderError } from '../errors.js';
import { FORBIDDEN_KEYS, forbiddenKeyPath, forbiddenPathText, mayHoldForbiddenKey } from '../record/keys.js';
import type { RejectCode } from '../record/outcome.js';
import { formatPath } from '../record/paths.js';
import { DEFAULT_POLICY, INPUT_ENCODINGS, type InputEncoding, type Policy } from '../record/policy.js';
import { csvRecords } from './csv.js';
import { linesOf, type LineOptions } from './lines.js';
import { STAGE, stageEnd, stageStart } from './stage-clock.js';

/**
 * One input record, or why a line or row is not one. `bytes` is its size in the input, which
 * batches are bounded by; `line` (1-based) is where it starts in a text source.
 */
export type SourceItem =
  | { index: number; value: unknown; bytes?: number; line?: number }
  | { index: number; parseError: string; code?: SourceRejectCode; path?: string; bytes?: number; line?: number };

/** The rejection codes a source gives; PARSE_ERROR unless said otherwise. */
export type SourceRejectCode = Extract<RejectCode, 'PARSE_ERROR' | 'INPUT_ENCODING' | 'RECORD_TOO_LARGE' | 'FIELD_NAME_FORBIDDEN'>;

export type RecordSource = AsyncIterable<unknown> | Iterable<unknown> | Readable;

/** How a byte stream holds records. */
export type InputFormat = 'ndjson' | 'csv';

/** How a byte stream is read: its encoding and limits (the policy's `input` and `csv` sections). */
export interface ReadOptions {
  /** @default policy.input.encoding */
  encoding?: InputEncoding;
}

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

async function openFile(path: string): Promise<Readable> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a file');
  } catch {
    throw new SunderError('FILE_NOT_FOUND', `input file not found: ${path}`);
  }
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

function checkEncoding(encoding: unknown): InputEncoding {
  if (!(INPUT_ENCODINGS as readonly unknown[]).includes(encoding)) {
    throw new SunderError('CONFIG_INVALID', `expected \`encoding\` to be one of ${INPUT_ENCODINGS.join(', ')}`, { path: ['encoding'] });
  }
  return encoding as InputEncoding;
}

function lineOptions(policy: Policy, read: ReadOptions): LineOptions {
  return { encoding: checkEncoding(read.encoding ?? policy.input.encoding), maxLineBytes: policy.input.maxRecordBytes };
}

/** V8's JSON errors quote the input; keep only the position, as a column. */
function jsonErrorAt(err: unknown, text: string): string {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  if (m === null) return text.trim().startsWith('{') ? 'not valid JSON (ends early?)' : 'not valid JSON';
  return `not valid JSON at column ${Number(m[1]) + 1}`;
}

/** Newline-delimited JSON; blank lines are not records. */
export async function* ndjsonItems(input: Readable | string, policy: Policy = DEFAULT_POLICY, read: ReadOptions = {}): AsyncGenerator<SourceItem> {
  const stream = typeof input === 'string' ? await openFile(input) : input;
  let index = 0;
  try {
    for await (const l of linesOf(stream, lineOptions(policy, read))) {
      const where = { bytes: l.bytes, line: l.line };
      if (!('text' in l)) {
        yield { index: index++, parseError: l.reason, code: l.code, ...where };
        continue;
      }
      if (l.text.trim() === '') continue;
      let value: unknown;
      const clock = stageStart();
      try {
        value = JSON.parse(l.text);
      } catch (err) {
        stageEnd(STAGE.parse, clock);
        yield { index: index++, parseError: `line ${l.line}: ${jsonErrorAt(err, l.text)}`, ...where };
        continue;
      }
      const forbidden = mayHoldForbiddenKey(l.text) ? forbiddenKeyPath(value) : undefined;
      stageEnd(STAGE.parse, clock);
      if (forbidden !== undefined) {
        yield { index: index++, parseError: `line ${l.line}: field name not allowed (reaches into object internals)`, code: 'FIELD_NAME_FORBIDDEN', path: forbidden, ...where };
        continue;
      }
      yield { index: index++, value, ...where };
    }
  } catch (err) {
    // Records before the damage keep their outcomes; what follows it cannot be counted, so it
    // becomes one parse error rather than an exception that would lose the run's outcomes.
    if (!isCorruptCompression(err)) throw err;
    yield { index: index++, parseError: CORRUPT_COMPRESSION };
  }
}

const BOOLEAN_PATHS = new Set(['consent.crossBorder', 'consent.guardianConsent']);
const LIST_PATHS = new Set(['consent.scopes']);

/** Null-prototype objects: a header path can never reach Object.prototype, whatever it says. */
function setPath(target: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    const nextIsIndex = /^\d+$/.test(parts[i + 1]!);
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = nextIsIndex ? [] : Object.create(null);
    node = node[key] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function cellValue(path: string, cell: string, listSeparator: string): unknown {
  if (LIST_PATHS.has(path)) return cell.split(listSeparator).map((s) => s.trim()).filter((s) => s !== '');
  if (BOOLEAN_PATHS.has(path)) return cell === 'true' ? true : cell === 'false' ? false : cell;
  return cell;
}

interface Column {
  path: string;
  parts: string[];
  /** Set when a segment of the path is a forbidden name: a row with a value here is rejected. */
  forbidden?: string;
}

/**
 * CSV with a header row. Each header is a dotted record path (`subject.phone`) unless the policy
 * maps it (`{"手机": "subject.phone"}`); empty cells are absent fields. A malformed row is
 * rejected with its line and column, and the rows after it are read as usual (see csv.ts).
 */
export async function* csvItems(input: Readable | string, policy: Policy, read: ReadOptions = {}): AsyncGenerator<SourceItem> {
  const stream = typeof input === 'string' ? await openFile(input) : input;
  let header: Column[] | undefined;
  let index = 0;
  const records = csvRecords(linesOf(stream, lineOptions(policy, read)), {
    delimiter: policy.csv.delimiter,
    maxRecordLines: policy.csv.maxRecordLines,
    maxRecordBytes: policy.input.maxRecordBytes,
    columns: () => header?.length,
  });
  try {
    for await (const r of records) {
      const where = { bytes: r.bytes, line: r.line };
      if (header === undefined) {
        // No outcome is owed for the header, and rows cannot be read without it.
        if (!('fields' in r)) throw new SunderError(r.code === 'INPUT_ENCODING' ? 'INPUT_ENCODING' : 'CONFIG_INVALID', `CSV header: ${r.reason}`);
        header = r.fields.map((h) => {
          const name = h.trim();
          // Own keys only: a header `constructor` must not find Object.prototype.constructor.
          const path = Object.hasOwn(policy.csv.columns, name) ? policy.csv.columns[name]! : name;
          const parts = path.split('.');
          const at = parts.findIndex((p) => FORBIDDEN_KEYS.has(p));
          return at === -1 ? { path, parts } : { path, parts, forbidden: forbiddenPathText(parts) };
        });
        continue;
      }
      if (!('fields' in r)) {
        yield { index: index++, parseError: r.reason, code: r.code, ...(r.column === undefined ? {} : { path: columnPath(header, r.column) }), ...where };
        continue;
      }
      const row = r.fields;
      if (row.length !== header.length) {
        yield { index: index++, parseError: `line ${r.line}: expected ${header.length} columns, got ${row.length}`, ...where };
        continue;
      }
      const bad = header.find((c, i) => c.forbidden !== undefined && row[i] !== '');
      if (bad !== undefined) {
        yield { index: index++, parseError: `line ${r.line}: field name not allowed (reaches into object internals)`, code: 'FIELD_NAME_FORBIDDEN', path: bad.forbidden!, ...where };
        continue;
      }
      const value: Record<string, unknown> = Object.create(null);
      header.forEach((c, i) => {
        const cell = row[i]!;
        if (cell !== '') setPath(value, c.parts, cellValue(c.path, cell, policy.csv.listSeparator));
      });
      yield { index: index++, value, ...where };
    }
  } catch (err) {
    if (!isCorruptCompression(err)) throw err;
    yield { index: index++, parseError: CORRUPT_COMPRESSION };
  }
}

/** The record path of a 1-based column, for a row error's `path`. */
function columnPath(header: readonly Column[], column: number): string {
  const c = header[column - 1];
  if (c === undefined) return '';
  return c.forbidden ?? formatPath(c.parts);
}

/** Objects from an async iterable, an iterable, or a Readable in object mode. */
export async function* objectItems(source: RecordSource): AsyncGenerator<SourceItem> {
  let index = 0;
  for await (const value of source as AsyncIterable<unknown>) {
    // An object from JSON.parse may carry an own `__proto__` key that zod would drop.
    const forbidden = forbiddenKeyPath(value);
    if (forbidden !== undefined) yield { index: index++, parseError: 'field name not allowed (reaches into object internals)', code: 'FIELD_NAME_FORBIDDEN', path: forbidden };
    else yield { index: index++, value };
  }
}

/** Records from a byte stream (a socket, standard input, an HTTP body) in the given format. */
export function streamItems(stream: Readable, format: InputFormat, policy: Policy, read: ReadOptions = {}): AsyncGenerator<SourceItem> {
  // Checked here, not left to a default: a misspelt 'CSV' would read every row as a bad JSON line.
  if (format !== 'csv' && format !== 'ndjson') {
    throw new SunderError('CONFIG_INVALID', "expected `format` to be 'ndjson' or 'csv'", { path: ['format'] });
  }
  checkEncoding(read.encoding ?? policy.input.encoding);
  return format === 'csv' ? csvItems(stream, policy, read) : ndjsonItems(stream, policy, read);
}

/** Picks the reader by the file's name (see `formatOfName`), unless `format` says otherwise. */
export async function* fileItems(path: string, policy: Policy, format?: InputFormat, read: ReadOptions = {}): AsyncGenerator<SourceItem> {
  const named = formatOfName(path);
  const raw = await openFile(path);
  // pipeline(): a read error reaches the reader through gunzip, and a reader that stops early
  // closes the file too. Its own callback has nothing to add: the reader sees every error.
  const stream = named.gzip ? pipeline(raw, createGunzip(), () => undefined) : raw;
  yield* streamItems(stream, format ?? named.format, policy, read);
}
