/**
 * CSV source: any text (quotes, delimiters and line ends in any order) gives known outcomes only,
 * one per row, in line order, and a file of well-formed rows reads back exactly.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvText } from '../../src/pipeline/csv.js';
import { csvItems, type SourceItem } from '../../src/pipeline/sources.js';
import { parsePolicy } from '../../src/record/policy.js';
import { FUZZ_TIMEOUT, fuzzParams, isExpected } from './params.js';

const CODES = new Set(['PARSE_ERROR', 'INPUT_ENCODING', 'RECORD_TOO_LARGE', 'FIELD_NAME_FORBIDDEN']);

async function read(text: string | Buffer, maxRecordLines = 100): Promise<SourceItem[] | 'header refused'> {
  const policy = parsePolicy({ input: { maxRecordBytes: 1024 }, csv: { maxRecordLines } });
  const items: SourceItem[] = [];
  try {
    for await (const i of csvItems(Readable.from([Buffer.from(text)]), policy)) items.push(i);
  } catch (err) {
    // Only the header may stop a file: rows cannot be read without it, and no outcome is owed for it.
    if (isExpected(err, ['CONFIG_INVALID', 'INPUT_ENCODING']) && items.length === 0) return 'header refused';
    throw err;
  }
  let line = 0;
  items.forEach((item, k) => {
    expect(item.index).toBe(k);
    expect(item.line).toBeGreaterThan(line);
    line = item.line!;
    if ('parseError' in item) expect(CODES.has(item.code ?? 'PARSE_ERROR')).toBe(true);
  });
  return items;
}

const hostileText = fc.array(fc.constantFrom('a', 'b', ',', '"', '""', '\n', '\r\n', '\r', ' ', '王', '__proto__', 'constructor', 'toString', '.', 'x'.repeat(600)), { maxLength: 60 }).map((p) => p.join(''));

/** A field written the way a careful writer would: quoted when it holds a quote, delimiter or line end. */
const quote = (f: string) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);

describe('CSV fuzz', () => {
  it('any mix of quotes, delimiters and line ends: known outcomes only, in line order', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, fc.constantFrom(1, 3, 100), async (text, maxLines) => {
        const items = await read(`h1,h2,h3\n${text}`, maxLines);
        if (items === 'header refused') throw new Error('a plain header was refused');
        // Without quotes a row is a line: exactly one outcome per non-blank line.
        if (!text.includes('"')) {
          const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
          expect(items).toHaveLength(lines.length);
        }
      }),
      fuzzParams(500),
    );
  }, FUZZ_TIMEOUT);

  it('arbitrary bytes, header included: a refused header or known outcomes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        await read(Buffer.from(bytes));
      }),
      fuzzParams(300),
    );
  }, FUZZ_TIMEOUT);

  it('any header, including names that exist on Object.prototype', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, hostileText, async (header, body) => {
        await read(`${header}\n${body}`);
      }),
      fuzzParams(300),
    );
  }, FUZZ_TIMEOUT);

  it('well-formed rows read back exactly, whatever the fields hold', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r\n', '王', '|'), maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 4 }).chain((n) => fc.array(fc.array(field, { minLength: n, maxLength: n }), { maxLength: 12 }).map((rows) => ({ n, rows }))), fc.constantFrom('\n', '\r\n'), async ({ n, rows }, eol) => {
        const header = Array.from({ length: n }, (_, i) => `f${i}`);
        const text = [header.join(','), ...rows.map((r) => r.map(quote).join(','))].join(eol) + eol;
        const items = await read(text);
        if (items === 'header refused') throw new Error('header refused');
        // Rows are dropped only when blank: one column and nothing in it cannot happen with n >= 2.
        expect(items.map((i) => ('value' in i ? i.value : i))).toEqual(
          rows.map((r) => Object.fromEntries(r.flatMap((f, i) => (f === '' ? [] : [[`f${i}`, f]])))),
        );
      }),
      fuzzParams(300),
    );
  }, FUZZ_TIMEOUT);

  it('parseCsvText never throws', () => {
    fc.assert(
      fc.property(hostileText, fc.constantFrom(',', ';', '\t', '"'), (text, d) => {
        const r = parseCsvText(text, d);
        expect('fields' in r || 'open' in r || 'error' in r).toBe(true);
      }),
      fuzzParams(1000),
    );
  });
});
