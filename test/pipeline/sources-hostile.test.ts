/**
 * Hostile input at the source: wrong encodings, prototype keys, stray quotes, oversized lines.
 * Each case was found by an attacker test; each test here failed before its fix.
 */
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { csvItems, ndjsonItems, objectItems, streamItems, type SourceItem } from '../../src/pipeline/sources.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/record/policy.js';

async function all(gen: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const i of gen) out.push(i);
  return out;
}
const bytes = (b: Buffer | string) => Readable.from([Buffer.from(b)]);
const values = (items: SourceItem[]) => items.map((i) => ('value' in i ? JSON.parse(JSON.stringify(i.value)) : { error: i.code ?? 'PARSE_ERROR' }));

const HEADER = 'recordId,project,subject.name,subject.phone,business.text.note';
const ROWS = ['r1,p,王小明,13800138000,我的电话是一三八', 'r2,p,李四,13900139000,"引号,里的逗号"', 'r3,p,張三,13700137000,繁體字與「引號」'];
const CSV = [HEADER, ...ROWS].join('\r\n') + '\r\n';
const NDJSON = ROWS.map((r) => {
  const [recordId, project, name, phone, note] = r.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  return JSON.stringify({ recordId, project, subject: { name, phone }, business: { text: { note: note!.replace(/^"|"$/g, '') } } });
}).join('\n') + '\n';

describe('encodings', () => {
  it('rejects a GBK CSV line by line with INPUT_ENCODING, the line and the byte offset, never U+FFFD', async () => {
    const gbk = iconv.encode(CSV.replace('張三', '张三').replace('繁體字與「引號」', '简体'), 'gb18030');
    const items = await all(csvItems(bytes(gbk), DEFAULT_POLICY));
    expect(items).toHaveLength(3);
    for (const [k, item] of items.entries()) {
      expect(item).toMatchObject({ code: 'INPUT_ENCODING', line: k + 2, parseError: expect.stringMatching(/^line \d: byte offset \d+ is not valid utf-8/) });
    }
    // The offset is that of the first non-ASCII byte of the row: `r1,p,` then GBK.
    const offset = Buffer.byteLength(HEADER + '\r\n') + 'r1,p,'.length;
    expect((items[0] as { parseError: string }).parseError).toContain(`byte offset ${offset} `);
    expect(JSON.stringify(items)).not.toContain('\ufffd');
  });

  it('stops a CSV whose header is not UTF-8 with INPUT_ENCODING: no row can be read without it', async () => {
    const gbk = iconv.encode('编号,手机\nr1,13800138000\n', 'gb18030');
    const policy = { ...DEFAULT_POLICY, csv: { ...DEFAULT_POLICY.csv, columns: { 编号: 'recordId', 手机: 'subject.phone' } } };
    await expect(all(csvItems(bytes(gbk), policy))).rejects.toMatchObject({ code: 'INPUT_ENCODING', message: expect.stringContaining('line 1: byte offset 0') });
    expect(values(await all(csvItems(bytes(gbk), policy, { encoding: 'gb18030' })))).toEqual([{ recordId: 'r1', subject: { phone: '13800138000' } }]);
  });

  it('rejects a GBK NDJSON line the same way', async () => {
    const items = await all(ndjsonItems(bytes(iconv.encode('{"a":"王"}\n{"a":"b"}\n', 'gb18030'))));
    expect(items).toMatchObject([{ index: 0, code: 'INPUT_ENCODING', line: 1 }, { index: 1, value: { a: 'b' } }]);
    expect((items[0] as { parseError: string }).parseError).toContain('byte offset 6 ');
  });

  it.each(['gb18030', 'big5', 'utf-16le'] as const)('reads %s named by the operator into exactly the records of the UTF-8 file', async (encoding) => {
    const text = encoding === 'gb18030' ? CSV.replace('張三', '张三').replace('繁體字與「引號」', '简体') : encoding === 'big5' ? CSV.replace('王小明', '王小朋').replace('李四', '李大').replace('我的电话是一三八', '電話') : CSV;
    const utf8 = await all(csvItems(bytes(text), DEFAULT_POLICY));
    const other = await all(csvItems(bytes(iconv.encode(text, encoding, { addBOM: encoding === 'utf-16le' })), DEFAULT_POLICY, { encoding }));
    expect(utf8.every((i) => 'value' in i)).toBe(true);
    expect(values(other)).toEqual(values(utf8));
    const nd = encoding === 'big5' ? NDJSON.replace('王小明', '王小朋').replace('李四', '李大').replace('我的电话是一三八', '電話') : encoding === 'gb18030' ? NDJSON.replace('張三', '张三').replace('繁體字與「引號」', '简体') : NDJSON;
    const ndUtf8 = await all(ndjsonItems(bytes(nd)));
    const ndOther = await all(streamItems(bytes(iconv.encode(nd, encoding)), 'ndjson', DEFAULT_POLICY, { encoding }));
    expect(values(ndOther)).toEqual(values(ndUtf8));
    expect(ndUtf8).toHaveLength(3);
  });

  it('takes the encoding from the policy too, and refuses an unknown one by name', async () => {
    const policy = parsePolicy({ input: { encoding: 'gb18030' } });
    const items = await all(ndjsonItems(bytes(iconv.encode('{"a":"王"}\n', 'gb18030')), policy));
    expect(items).toMatchObject([{ value: { a: '王' } }]);
    expect(() => parsePolicy({ input: { encoding: 'latin1' } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['input', 'encoding'] }));
    expect(() => streamItems(bytes(''), 'csv', DEFAULT_POLICY, { encoding: 'GBK' as never })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['encoding'] }));
  });

  it('rejects bytes that are not valid GB18030 in a file named GB18030, rather than guessing', async () => {
    const bad = Buffer.concat([iconv.encode('{"a":"王', 'gb18030'), Buffer.from([0x81, 0x20]), Buffer.from('"}\n{"a":1}\n')]);
    const items = await all(ndjsonItems(bytes(bad), DEFAULT_POLICY, { encoding: 'gb18030' }));
    expect(items).toMatchObject([{ code: 'INPUT_ENCODING', line: 1, parseError: expect.stringContaining('byte offset 8 is not valid gb18030') }, { value: { a: 1 } }]);
  });

  it('accepts a UTF-8 byte-order mark and CRLF line ends, in CSV and NDJSON', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const csv = await all(csvItems(bytes(Buffer.concat([bom, Buffer.from(CSV)])), DEFAULT_POLICY));
    expect(csv.map((i) => 'value' in i && (i.value as { recordId: string }).recordId)).toEqual(['r1', 'r2', 'r3']);
    expect(csv[2]).toMatchObject({ value: { business: { text: { note: '繁體字與「引號」' } } } });
    const nd = await all(ndjsonItems(bytes(Buffer.concat([bom, Buffer.from(NDJSON.replace(/\n/g, '\r\n'))]))));
    expect(values(nd)).toEqual(values(await all(ndjsonItems(bytes(NDJSON)))));
    expect(nd).toHaveLength(3);
  });
});

describe('prototype keys', () => {
  it('a CSV header `__proto__.x` neither pollutes Object.prototype nor passes: every row with a value there is rejected by path', async () => {
    const csv = 'recordId,__proto__.x,subject.name\nr1,polluted,A\nr2,,B\n';
    const items = await all(csvItems(bytes(csv), DEFAULT_POLICY));
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect(items[0]).toMatchObject({ code: 'FIELD_NAME_FORBIDDEN', path: '__proto__.x', line: 2 });
    expect(items[1]).toMatchObject({ value: { recordId: 'r2', subject: { name: 'B' } } });
    expect(Object.getPrototypeOf((items[1] as { value: object }).value)).toBeNull();
  });

  it.each([
    ['{"recordId":"r1","__proto__":{"x":1}}', '__proto__'],
    ['{"recordId":"r1","business":{"attributes":{"constructor":"a"}}}', 'business.attributes.constructor'],
    ['{"recordId":"r1","business":{"text":{"prototype":"a"}}}', 'business.text.prototype'],
    ['{"recordId":"r1","business":{"media":[{"\\u005f_proto__":1}]}}', 'business.media.0.__proto__'],
  ])('rejects NDJSON %s naming %s', async (line, path) => {
    const items = await all(ndjsonItems(bytes(`${line}\n{"ok":1}\n`)));
    expect(items).toMatchObject([{ index: 0, code: 'FIELD_NAME_FORBIDDEN', path }, { index: 1, value: { ok: 1 } }]);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('rejects such keys in objects handed to the library', async () => {
    const items = await all(objectItems([JSON.parse('{"a":{"__proto__":1}}'), { a: 1 }]));
    expect(items).toMatchObject([{ code: 'FIELD_NAME_FORBIDDEN', path: 'a.__proto__' }, { value: { a: 1 } }]);
  });
});

describe('CSV resynchronisation', () => {
  const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `r${from + i},p,name${from + i}`);

  it('one stray quote costs one row: the 4,000 rows after it each get their own item', async () => {
    const csv = ['recordId,project,subject.name', 'r-bad,p,"unterminated', ...rows(4000)].join('\n') + '\n';
    const items = await all(csvItems(bytes(csv), DEFAULT_POLICY));
    expect(items).toHaveLength(4001);
    expect(items[0]).toMatchObject({ code: 'PARSE_ERROR', line: 2, parseError: expect.stringMatching(/^line 2: a quoted field is not closed within 100 line/) });
    expect(items.slice(1).every((i) => 'value' in i)).toBe(true);
    expect(items.map((i) => i.index)).toEqual([...Array(4001).keys()]);
  });

  it('a stray quote that a later stray quote "closes" into a record of the wrong width costs only its own line', async () => {
    // (Had the two quotes made a record of the header's width, it would be one multi-line field:
    // CSV cannot tell that from a real one. docs/input.md says so.)
    const csv = ['recordId,project,subject.name', 'r0,p,ab"c', 'r1,p,"open', ...rows(3, 2), 'r5,p,x",extra', ...rows(2, 6)].join('\n');
    const items = await all(csvItems(bytes(csv), DEFAULT_POLICY));
    expect(items.map((i) => ('value' in i ? (i.value as { recordId: string }).recordId : `${i.code}@${i.line}`))).toEqual([
      'PARSE_ERROR@2', 'PARSE_ERROR@3', 'r2', 'r3', 'r4', 'PARSE_ERROR@7', 'r6', 'r7',
    ]);
    expect(items[0]).toMatchObject({ path: 'subject.name', parseError: 'line 2, column 3: a quote inside an unquoted field' });
  });

  it('keeps real multi-line quoted fields, with their own line ends; maxRecordLines 1 keeps a field on its line', async () => {
    const csv = 'recordId,business.text.note\r\nr1,"one\r\ntwo\nthree"\r\nr2,x\r\n';
    const items = await all(csvItems(bytes(csv), DEFAULT_POLICY));
    expect(values(items)).toEqual([{ recordId: 'r1', business: { text: { note: 'one\r\ntwo\nthree' } } }, { recordId: 'r2', business: { text: { note: 'x' } } }]);
    const strict: Policy = { ...DEFAULT_POLICY, csv: { ...DEFAULT_POLICY.csv, maxRecordLines: 1 } };
    const one = await all(csvItems(bytes(csv), strict));
    expect(one.map((i) => ('value' in i ? 'ok' : i.line))).toEqual([2, 3, 4, 'ok']);
  });

  it('an unterminated quote at the end of the input costs only its line', async () => {
    const items = await all(csvItems(bytes('recordId,project\nr1,p\nr2,"p\nr3,p'), DEFAULT_POLICY));
    expect(items.map((i) => ('value' in i ? 'ok' : i.line))).toEqual(['ok', 3, 'ok']);
  });
});

describe('size limits', () => {
  const policy = parsePolicy({ input: { maxRecordBytes: 2048 } });

  it('rejects an NDJSON line over maxRecordBytes (RECORD_TOO_LARGE) without buffering it, and reads on', async () => {
    const big = `{"a":"${'x'.repeat(10_000)}"}`;
    // Sent in small chunks: the limit must hold across chunk boundaries.
    const chunks = Buffer.from(`{"a":1}\n${big}\n{"b":2}\n`).toString('latin1').match(/[\s\S]{1,500}/g)!.map((c) => Buffer.from(c, 'latin1'));
    const items = await all(ndjsonItems(Readable.from(chunks), policy));
    expect(items).toMatchObject([{ value: { a: 1 } }, { code: 'RECORD_TOO_LARGE', line: 2 }, { value: { b: 2 }, line: 3 }]);
  });

  it('rejects an oversized CSV row the same way', async () => {
    const items = await all(csvItems(bytes(`recordId,project\nr1,${'y'.repeat(5000)}\nr2,p\n`), policy));
    expect(items).toMatchObject([{ code: 'RECORD_TOO_LARGE', line: 2 }, { value: { recordId: 'r2' } }]);
  });

  it('reports the column of a bad JSON line, never its text', async () => {
    const items = await all(ndjsonItems(bytes('{"name":"王小明" "phone":"13800138000"}\n')));
    expect(items[0]).toMatchObject({ parseError: expect.stringMatching(/^line 1: not valid JSON/) });
    expect(JSON.stringify(items)).not.toMatch(/王|138/);
  });
});
