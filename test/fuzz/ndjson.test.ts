/**
 * NDJSON source under arbitrary bytes and mutated valid files, in every encoding, cut into
 * arbitrary chunks: never a non-Sunder error, every item a record or a known rejection, and,
 * for UTF-8, exactly one item per non-blank line (checked against a plain split-and-decode).
 */
import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ndjsonItems, type SourceItem } from '../../src/pipeline/sources.js';
import { INPUT_ENCODINGS, parsePolicy } from '../../src/record/policy.js';
import { FUZZ_TIMEOUT, fuzzParams, isExpected } from './params.js';

const MAX = 1024; // the smallest allowed input.maxRecordBytes, so long lines are exercised
const policy = parsePolicy({ input: { maxRecordBytes: MAX } });
const CODES = new Set(['PARSE_ERROR', 'INPUT_ENCODING', 'RECORD_TOO_LARGE', 'FIELD_NAME_FORBIDDEN']);

/** Splits `buf` at the given cut points (any order, any value). */
function chunked(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(buf.subarray(at, p));
    at = p;
  }
  out.push(buf.subarray(at));
  return out.filter((c) => c.length > 0);
}

/** Items a plain reading of UTF-8 input must give: one per line that is not blank. */
function expectedUtf8Count(buf: Buffer): number {
  let n = 0;
  let start = 0;
  let first = true;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    let line = buf.subarray(start, nl === -1 ? buf.length : nl);
    if (line.length > MAX) n++;
    else {
      if (first && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
      if (!isUtf8(line) || line.toString('utf8').trim() !== '') n++;
    }
    first = false;
    if (nl === -1) return n;
    start = nl + 1;
  }
}

async function read(buf: Buffer, cuts: number[], encoding: (typeof INPUT_ENCODINGS)[number]): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  try {
    for await (const i of ndjsonItems(Readable.from(chunked(buf, cuts)), policy, { encoding })) items.push(i);
  } catch (err) {
    if (!isExpected(err, [])) throw err;
  }
  items.forEach((item, k) => {
    expect(item.index).toBe(k);
    if ('parseError' in item) expect(CODES.has(item.code ?? 'PARSE_ERROR')).toBe(true);
  });
  return items;
}

const jsonLine = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({ recordId: fc.string(), subject: fc.dictionary(fc.constantFrom('name', '__proto__', 'constructor', 'phone'), fc.jsonValue()) }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '\r', '\ufeff', '{', '"\\u005f_proto__"', 'x'.repeat(MAX + 1)),
);
/** A valid-looking file with byte-level damage: flips, cuts and inserted bytes. */
const mutatedFile = fc
  .tuple(fc.array(jsonLine, { maxLength: 20 }), fc.constantFrom('\n', '\r\n'), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'cut')), { maxLength: 6 }))
  .map(([lines, eol, edits]) => {
    let buf = Buffer.from(lines.join(eol));
    for (const [pos, byte, op] of edits) {
      const at = buf.length === 0 ? 0 : pos % buf.length;
      if (op === 'set' && buf.length > 0) buf[at] = byte;
      else if (op === 'insert') buf = Buffer.concat([buf.subarray(0, at), Buffer.from([byte]), buf.subarray(at)]);
      else buf = buf.subarray(0, at);
    }
    return buf;
  });

describe('NDJSON fuzz', () => {
  it('arbitrary bytes, any encoding: known outcomes only; UTF-8: one item per non-blank line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)), fc.array(fc.nat(), { maxLength: 8 }), fc.constantFrom(...INPUT_ENCODINGS), async (buf, cuts, encoding) => {
        const items = await read(buf, cuts, encoding);
        if (encoding === 'utf-8') expect(items).toHaveLength(expectedUtf8Count(buf));
      }),
      fuzzParams(300),
    );
  }, FUZZ_TIMEOUT);

  it('mutated NDJSON: one item per non-blank line, and no object ever reaches Object.prototype', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedFile, fc.array(fc.nat(), { maxLength: 8 }), async (buf, cuts) => {
        const items = await read(buf, cuts, 'utf-8');
        expect(items).toHaveLength(expectedUtf8Count(buf));
        expect(Object.keys(Object.prototype)).toEqual([]);
      }),
      fuzzParams(400),
    );
  }, FUZZ_TIMEOUT);
});
