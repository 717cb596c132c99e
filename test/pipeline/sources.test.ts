import { Readable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir } from '../helpers/tmp.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/record/policy.js';
import { csvItems, fileItems, formatOfName, ndjsonItems, streamItems, type InputFormat, type SourceItem } from '../../src/pipeline/sources.js';

async function all(gen: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const i of gen) out.push(i);
  return out;
}

describe('NDJSON source', () => {
  it('numbers records consecutively, bad lines included, blank lines skipped', async () => {
    const input = '{"a":1}\nnot json\n\n{"b":2}\r\n[1]\n{"c":3}';
    const items = await all(ndjsonItems(Readable.from([Buffer.from(input)])));
    expect(items.map((i) => i.index)).toEqual([0, 1, 2, 3, 4]);
    expect(items[1]).toEqual({ index: 1, parseError: 'line 2: not valid JSON', line: 2, bytes: 9 });
    expect(items[2]).toMatchObject({ index: 2, value: { b: 2 }, line: 4 });
    expect(items[4]).toMatchObject({ index: 4, value: { c: 3 }, line: 6 });
  });

  it('joins lines and characters split across chunks', async () => {
    const text = '{"name":"王小明"}\n{"name":"李四"}\n';
    const bytes = Buffer.from(text);
    const chunks = Array.from(bytes).map((b) => Buffer.from([b]));
    const items = await all(ndjsonItems(Readable.from(chunks)));
    expect(items).toMatchObject([{ index: 0, value: { name: '王小明' } }, { index: 1, value: { name: '李四' } }]);
  });

  it('reads a file saved with a byte-order mark; an invalid byte rejects only its own line, with its offset', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":"'), Buffer.from([0xff]), Buffer.from('"}\n{"c":3}\n')]);
    const items = await all(ndjsonItems(Readable.from([bytes.subarray(0, 2), bytes.subarray(2)])));
    expect(items).toMatchObject([
      { index: 0, value: { a: 1 } },
      { index: 1, code: 'INPUT_ENCODING', line: 2, parseError: expect.stringMatching(/^line 2: byte offset 17 is not valid utf-8/) },
      { index: 2, value: { c: 3 } },
    ]);
  });
});

describe('CSV source', () => {
  it('maps dotted headers, lists, booleans and quoted newlines; short rows are parse errors', async () => {
    const csv = 'recordId,subject.name,consent.scopes,consent.crossBorder,business.text.sms\r\n' +
      'r1,"Li, Na","voice|text",true,"line one\nline ""two"""\r\n' +
      'r2,Wang\r\n';
    const items = await all(csvItems(Readable.from([Buffer.from(csv)]), DEFAULT_POLICY));
    expect(items[0]).toMatchObject({
      index: 0,
      value: { recordId: 'r1', subject: { name: 'Li, Na' }, consent: { scopes: ['voice', 'text'], crossBorder: true }, business: { text: { sms: 'line one\nline "two"' } } },
    });
    expect(items[1]).toMatchObject({ index: 1, parseError: 'line 4: expected 5 columns, got 2', line: 4 });
  });

  it('takes header names from the policy', async () => {
    const policy = { ...DEFAULT_POLICY, csv: { ...DEFAULT_POLICY.csv, columns: { 手机: 'subject.phone' } } };
    const items = await all(csvItems(Readable.from([Buffer.from('recordId,手机\nr1,13900000001\n')]), policy));
    expect(items[0]).toMatchObject({ index: 0, value: { recordId: 'r1', subject: { phone: '13900000001' } } });
  });
});

describe('compressed files', () => {
  it.each([
    ['a.ndjson', 'ndjson', false],
    ['a.jsonl', 'ndjson', false],
    ['a.CSV', 'csv', false],
    ['archive.ndjson.gz', 'ndjson', true],
    ['export.csv.GZ', 'csv', true],
    ['csv.gz.txt', 'ndjson', false],
  ])('%s is %s (gzip: %s)', (name, format, gzip) => {
    expect(formatOfName(name)).toEqual({ format, gzip });
  });

  it('refuses an unknown format by name rather than reading CSV as bad JSON', () => {
    expect(() => streamItems(Readable.from(['a,b\n']), 'CSV' as InputFormat, DEFAULT_POLICY)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['format'] }));
  });

  const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ recordId: `r-${i}`, text: '王小明 '.repeat(20) }));

  it('reads a gzipped NDJSON file as a stream, every record in order', async () => {
    const path = join(tempDir(), 'records.ndjson.gz');
    writeFileSync(path, gzipSync(lines.join('\n') + '\n'));
    const items = await all(fileItems(path, DEFAULT_POLICY));
    expect(items).toHaveLength(2000);
    expect(items[1999]).toMatchObject({ index: 1999, value: JSON.parse(lines[1999]!) });
  });

  it('lets a reader stop early in a gzipped file', async () => {
    const path = join(tempDir(), 'records.ndjson.gz');
    writeFileSync(path, gzipSync(lines.join('\n') + '\n'));
    let n = 0;
    for await (const item of fileItems(path, DEFAULT_POLICY)) {
      expect(item.index).toBe(n);
      if (++n === 10) break;
    }
    expect(n).toBe(10);
  });

  it('turns a truncated or corrupt gzip file into one parse error after the records it could read', async () => {
    const gz = gzipSync(lines.join('\n') + '\n');
    for (const [name, bytes] of [
      ['truncated.ndjson.gz', gz.subarray(0, Math.floor(gz.length * 0.6))],
      ['corrupt.ndjson.gz', Buffer.concat([gz.subarray(0, 2000), Buffer.alloc(64, 0x55), gz.subarray(2064)])],
      ['truncated.csv.gz', gzipSync('recordId,project\n' + Array.from({ length: 3000 }, (_, i) => `r-${i},p`).join('\n')).subarray(0, 400)],
    ] as const) {
      const path = join(tempDir(), name);
      writeFileSync(path, bytes);
      const items = await all(fileItems(path, DEFAULT_POLICY));
      const last = items.pop()!;
      expect(last).toMatchObject({ parseError: expect.stringMatching(/compressed input is corrupt or truncated/) });
      expect(last.index).toBe(items.length);
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => 'value' in i || /not valid JSON|is not valid utf-8/.test(i.parseError))).toBe(true);
    }
  });
});
