/**
 * Hostile input end to end: a mixed file where each hostile line gets its own named outcome and
 * every other record is stored; a GBK file, named as such, stored exactly as its UTF-8 twin.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { generateRecords } from '../../fixtures/lib/synth.js';
import { exportDataset } from '../../src/export/export.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { createMediaStep } from '../../src/pipeline/media-step.js';
import type { Outcome } from '../../src/record/outcome.js';
import { tempDir } from '../helpers/tmp.js';
import { pngDeclaring } from '../helpers/png.js';

const records = (seed: number, count: number) => [...generateRecords({ seed, count, textBytes: 120 })].map((r) => JSON.parse(JSON.stringify(r)) as Record<string, any>);

async function outcomesOf(dataDir: string, run: (i: Ingestor) => AsyncIterable<Outcome>, policy = {}): Promise<Outcome[]> {
  const ingestor = await Ingestor.open({ dataDir, workers: 0, policy, media: createMediaStep });
  try {
    const out: Outcome[] = [];
    for await (const o of run(ingestor)) out.push(o);
    return out;
  } finally {
    await ingestor.close();
  }
}

const exportedTexts = async (dataDir: string, out: string) => {
  const s = await exportDataset({ dataDir, out });
  return readFileSync(s.manifest, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: unknown; attributes: unknown; collectedAt: string })
    .map((m) => ({ text: m.text, attributes: m.attributes, collectedAt: m.collectedAt })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
};

describe('a GBK file', () => {
  it('is rejected line by line unless named; named gb18030, it is stored exactly as the UTF-8 one', async () => {
    const dir = tempDir();
    const text = records(11, 12).map((r) => JSON.stringify(r)).join('\n') + '\n';
    writeFileSync(join(dir, 'utf8.ndjson'), text);
    writeFileSync(join(dir, 'gbk.ndjson'), iconv.encode(text, 'gb18030'));
    const unnamed = await outcomesOf(join(dir, 'd0'), (i) => i.ingestFile(join(dir, 'gbk.ndjson')));
    expect(unnamed).toHaveLength(12);
    expect(unnamed.every((o) => o.status === 'rejected' && o.code === 'INPUT_ENCODING')).toBe(true);

    const a = await outcomesOf(join(dir, 'd1'), (i) => i.ingestFile(join(dir, 'utf8.ndjson')));
    const b = await outcomesOf(join(dir, 'd2'), (i) => i.ingestFile(join(dir, 'gbk.ndjson'), { encoding: 'gb18030' }));
    expect(a.every((o) => o.status === 'stored')).toBe(true);
    expect(b.map((o) => [o.status, o.status === 'stored' && o.detections])).toEqual(a.map((o) => [o.status, o.status === 'stored' && o.detections]));
    expect(await exportedTexts(join(dir, 'd2'), join(dir, 'o2'))).toEqual(await exportedTexts(join(dir, 'd1'), join(dir, 'o1')));
  });
});

describe('field names that Object.prototype also has', () => {
  it('an attribute named toString or valueOf is stored, not routed by the prototype', async () => {
    const dir = tempDir();
    const [r] = records(14, 1);
    const path = join(dir, 'in.ndjson');
    writeFileSync(path, JSON.stringify({ ...r, business: { ...r!.business, attributes: { toString: 'kept', valueOf: 7, hasOwnProperty: true } } }) + '\n');
    const out = await outcomesOf(join(dir, 'data'), (i) => i.ingestFile(path));
    expect(out).toMatchObject([{ status: 'stored' }]);
    const [exported] = await exportedTexts(join(dir, 'data'), join(dir, 'out'));
    expect(exported!.attributes).toEqual({ toString: 'kept', valueOf: 7, hasOwnProperty: true });
  });
});

describe('a mixed hostile file', () => {
  it('gives every hostile line its own named outcome and stores the rest', async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo.png')]);
    writeFileSync(join(dir, 'bomb.png'), pngDeclaring(100_000, 100_000));
    writeFileSync(join(dir, 'ok.png'), await sharp({ create: { width: 32, height: 32, channels: 3, background: '#123456' } }).png().toBuffer());
    const rs = records(12, 10);
    const withMedia = (r: Record<string, any>, path: string) => ({ ...r, consent: { ...r.consent, scopes: ['image', 'text'] }, business: { ...r.business, media: [{ kind: 'image', path }] } });
    const lines: (string | Buffer)[] = [
      JSON.stringify(rs[0]),
      iconv.encode(JSON.stringify({ ...rs[1], subject: { ...rs[1]!.subject, name: '王小明' } }), 'gb18030'),
      JSON.stringify(rs[2]).replace('{', '{"__proto__":{"polluted":true},'),
      JSON.stringify({ ...rs[3], business: { ...rs[3]!.business, text: { note: 'x'.repeat(70_000) } } }),
      JSON.stringify(withMedia(rs[4]!, 'fifo.png')),
      JSON.stringify(withMedia(rs[5]!, 'bomb.png')),
      JSON.stringify(withMedia(rs[6]!, 'ok.png')),
      JSON.stringify({ ...rs[7], subject: { ...rs[7]!.subject, name: 42 } }),
      '{"recordId":',
      JSON.stringify(rs[9]),
    ];
    const path = join(dir, 'mixed.ndjson');
    writeFileSync(path, Buffer.concat(lines.flatMap((l) => [Buffer.from(l), Buffer.from('\n')])));
    const out = await outcomesOf(join(dir, 'data'), (i) => i.ingestFile(path), { input: { maxRecordBytes: 64 * 1024 } });
    const brief = out.map((o) => (o.status === 'rejected' ? `${o.code}${o.code === 'MEDIA_REJECTED' ? `:${o.reason.split(':')[0]}` : ''}@${o.path}` : o.status));
    expect(brief).toEqual([
      'stored',
      'INPUT_ENCODING@',
      'FIELD_NAME_FORBIDDEN@__proto__',
      'RECORD_TOO_LARGE@',
      'MEDIA_REJECTED:MEDIA_NOT_REGULAR@business.media.0.path',
      'MEDIA_REJECTED:MEDIA_TOO_MANY_PIXELS@business.media.0.path',
      'stored',
      'SCHEMA_INVALID@subject.name',
      'PARSE_ERROR@',
      'stored',
    ]);
    expect(out.map((o) => o.index)).toEqual([...Array(10).keys()]);
    expect(out[1]).toMatchObject({ line: 2 });
    expect(out[7]).toMatchObject({ reason: 'expected string, got number' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('a stray quote in a CSV costs one row; the rows after it are stored', async () => {
    const dir = tempDir();
    const rs = records(13, 40).filter((r) => r.subject.guardian === undefined).slice(0, 30);
    const header = 'recordId,project,collectedAt,subject.name,subject.phone,subject.email,subject.idNumber,consent.policyVersion,consent.grantedAt,consent.scopes,business.text.note';
    const row = (r: Record<string, any>) => [r.recordId, r.project, r.collectedAt, r.subject.name, r.subject.phone ?? '', r.subject.email ?? '', r.subject.idNumber ?? '', r.consent.policyVersion, r.consent.grantedAt, 'text', '"备注, 含逗号"'].join(',');
    const rows = rs.map(row);
    rows[3] = rows[3]!.replace('"备注, 含逗号"', '"未闭合的引号');
    const path = join(dir, 'mixed.csv');
    writeFileSync(path, [header, ...rows].join('\r\n') + '\r\n');
    const out = await outcomesOf(join(dir, 'data'), (i) => i.ingestFile(path));
    expect(out).toHaveLength(30);
    expect(out[3]).toMatchObject({ status: 'rejected', code: 'PARSE_ERROR', line: 5 });
    expect(out.filter((o) => o.status !== 'stored')).toEqual([out[3]]);
  });
});
