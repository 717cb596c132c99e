/** Rejection reasons say what type was expected and what came (never the value); policy errors name the key. */
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/record/policy.js';
import { validateRecord } from '../../src/record/validate.js';

const base = { recordId: 'r1', project: 'p', collectedAt: '2024-01-01T00:00:00Z', subject: { name: '王小明', phone: '13800138000' } };

describe('record schema reasons', () => {
  it.each([
    [{ ...base, subject: { name: 12345 } }, 'subject.name', 'expected string, got number'],
    [{ ...base, subject: { name: '王小明', phone: ['13800138000'] } }, 'subject.phone', 'expected string, got array'],
    [{ ...base, project: null }, 'project', 'expected string, got null'],
    [{ ...base, business: { attributes: { a: { b: 1 } } } }, 'business.attributes.a', 'expected a string, number, boolean or null, got object'],
    [{ ...base, subject: undefined }, 'subject', 'required object is missing'],
  ])('%j: %s', (value, path, reason) => {
    const v = validateRecord(value);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.rejection).toMatchObject({ code: 'SCHEMA_INVALID', path, reason });
    expect(JSON.stringify(v)).not.toMatch(/12345|138001/);
  });
});

describe('policy errors', () => {
  it.each([
    [{ csv: { delimeter: ';' } }, ['csv', 'delimeter'], /`csv\.delimeter`: unknown policy key/],
    [{ batchsize: 10 }, ['batchsize'], /`batchsize`: unknown policy key/],
    [{ batchSize: '10' }, ['batchSize'], /`batchSize`: expected number, got string/],
    [{ input: { maxRecordBytes: 10 } }, ['input', 'maxRecordBytes'], /`input\.maxRecordBytes`: expected at least 1024/],
    [JSON.parse('{"csv":{"columns":{"__proto__":"subject.phone"}}}'), ['csv', 'columns', '__proto__'], /`csv\.columns\.__proto__`: key name not allowed/],
  ])('%j is refused at %j', (input, path, message) => {
    expect(() => parsePolicy(input)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path, message: expect.stringMatching(message) }));
  });
});

describe('CSV delimiter', () => {
  it.each(['"', '\n', '\r'])('refuses %j, which CSV itself uses', (d) => {
    expect(() => parsePolicy({ csv: { delimiter: d } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['csv', 'delimiter'] }));
  });
});

describe('policy files', () => {
  it('reads a UTF-8 file with a byte-order mark; refuses one that is not UTF-8 (INPUT_ENCODING)', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { loadPolicy } = await import('../../src/record/policy.js');
    const dir = mkdtempSync(join(tmpdir(), 'sunder-policy-'));
    writeFileSync(join(dir, 'bom.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"csv":{"columns":{"手机":"subject.phone"}}}')]));
    expect((await loadPolicy(join(dir, 'bom.json'))).csv.columns).toEqual({ 手机: 'subject.phone' });
    writeFileSync(join(dir, 'gbk.json'), Buffer.concat([Buffer.from('{"csv":{"columns":{"'), Buffer.from([0xca, 0xd6, 0xbb, 0xfa]), Buffer.from('":"subject.phone"}}}')]));
    await expect(loadPolicy(join(dir, 'gbk.json'))).rejects.toMatchObject({ code: 'INPUT_ENCODING' });
  });
});
