/** `sunder ingest --encoding`, and a data directory that cannot exist (it used to spin at 100% CPU). */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { generateRecords } from '../../fixtures/lib/synth.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const sunder = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 30_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string; killed?: boolean }) => ({ code: e.killed ? 'killed' : e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('sunder ingest --encoding', () => {
  it('stores a GB18030 file when named, and rejects its records as INPUT_ENCODING when not', async () => {
    const dir = tempDir();
    const file = join(dir, 'gbk.ndjson');
    const recs = [...generateRecords({ seed: 21, count: 5, textBytes: 80 })].map((r) => ({ ...r, subject: { ...r.subject, name: '王小明' } }));
    writeFileSync(file, iconv.encode(recs.map((r) => JSON.stringify(r)).join('\n') + '\n', 'gb18030'));
    const plain = await sunder(['--data', join(dir, 'a'), 'ingest', '--json', file]);
    expect(plain.code).toBe(1); // every record rejected: exit 1 (README, exit codes)
    expect(JSON.parse(plain.stdout.trim().split('\n').pop()!)).toMatchObject({ records: 5, stored: 0, rejections: { INPUT_ENCODING: 5 } });
    const named = await sunder(['--data', join(dir, 'b'), 'ingest', '--json', '--encoding', 'gb18030', file]);
    expect(JSON.parse(named.stdout.trim().split('\n').pop()!)).toMatchObject({ records: 5, stored: 5 });
    expect(named.code).toBe(0);
    const wrong = await sunder(['--data', join(dir, 'c'), 'ingest', '--encoding', 'gbk', file]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/gb18030, big5, utf-16le/);
  });

  it('fails with DIR_UNUSABLE for --data /proc/foo instead of spinning', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.ndjson'), '{}\n');
    const r = await sunder(['--data', '/proc/sunder-test-nope', 'ingest', join(dir, 'in.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot create the directory \/proc\/sunder-test-nope .*\(DIR_UNUSABLE\)/);
  });
});
