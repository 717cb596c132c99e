/** The `sunder` command as a person runs it: exit codes, one-line errors, the JSON summary. */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readJsonl, SAMPLE_CSV, SAMPLE_DIR, SAMPLE_NDJSON } from './helpers/sample.js';
import { tempDir } from './helpers/tmp.js';

const CLI = join(import.meta.dirname, '../dist/cli/main.js');
const run = async (args: string[], input?: string, env: Record<string, string> = {}) => {
  const p = promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (input !== undefined) {
    p.child.stdin!.end(input);
  }
  try {
    const { stdout, stderr } = await p;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('sunder CLI', () => {
  it('ingests with --json: the last stdout line is the summary, exit 1 because some records were rejected', async () => {
    const data = tempDir();
    const r = await run(['--data', data, 'ingest', SAMPLE_NDJSON, '--json']);
    expect(r.code).toBe(1);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(last).toMatchObject({ records: 219 });
    for (const k of ['records', 'stored', 'rejected', 'duplicates', 'subjects', 'detections', 'elapsedMs']) expect(last).toHaveProperty(k);
    expect(last.rejected).toBeGreaterThan(0);
    expect(last.stored + last.rejected + last.duplicates).toBe(last.records);
    expect(r.stderr).toMatch(/created role keys in/);

    // A fresh folder: export refuses a used one (join(data, '..') is the shared temp folder).
    const exp = await run(['--data', data, 'export', '--out', join(tempDir(), 'out'), '--json']);
    expect(exp.code).toBe(0);
    expect(JSON.parse(exp.stdout.trim())).toMatchObject({ records: expect.any(Number) });
  });

  it('says in one line that an input file is missing', async () => {
    const r = await run(['--data', tempDir(), 'ingest', '/nonexistent/records.ndjson']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/input file not found.*\(FILE_NOT_FOUND\)/);
  });

  it('refuses keys that do not belong to the store', async () => {
    const data = tempDir();
    expect((await run(['--data', data, 'ingest', SAMPLE_NDJSON])).code).toBe(1);
    const otherKeys = tempDir();
    expect((await run(['--keys', otherKeys, 'keys'])).code).toBe(0);
    const ingest = await run(['--data', data, '--keys', otherKeys, 'ingest', SAMPLE_NDJSON]);
    expect(ingest.code).toBe(2);
    expect(ingest.stderr).toMatch(/does not belong to the store.*\(KEYS_WRONG\)/);
    // A well-formed exporter key from another installation opens no subject key.
    const mixed = tempDir();
    cpSync(join(otherKeys, 'exporter.json'), join(mixed, 'exporter.json'));
    cpSync(join(data, 'keys', 'audit.json'), join(mixed, 'audit.json')); // the store's own audit key: only the exporter key is foreign
    const exp = await run(['--data', data, '--keys', mixed, 'export', '--out', join(mixed, 'out')]);
    expect(exp.code).toBe(2);
    expect(exp.stderr).toMatch(/\(KEYS_WRONG\)/);
  });

  it('says the store is corrupt rather than crashing', async () => {
    const data = tempDir();
    expect((await run(['--data', data, 'init'])).code).toBe(0);
    writeFileSync(join(data, 'vault.db'), 'this is not a database'.repeat(200));
    const r = await run(['--data', data, 'ingest', SAMPLE_NDJSON]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\(STORE_CORRUPT\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('ingests standard input and gzipped files with the same outcomes as the plain file', async () => {
    /** Each record's outcome, without the run's random object ids. */
    const outcomesOf = async (args: string[], input?: string) => {
      const r = await run(['--data', tempDir(), 'ingest', ...args, '--media-root', SAMPLE_DIR, '--json'], input);
      const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { records: number; rejected: number; outcomesFiles: string[] };
      expect(r.code, r.stderr).toBe(summary.rejected > 0 ? 1 : 0);
      return readJsonl<Record<string, unknown>>(summary.outcomesFiles[0]!).map((o) => [o.index, o.status, o.code, o.path]);
    };
    const plain = await outcomesOf([SAMPLE_NDJSON]);
    expect(plain).toHaveLength(219);
    expect(plain.some((o) => o[1] === 'rejected')).toBe(true);
    expect(await outcomesOf(['-'], readFileSync(SAMPLE_NDJSON, 'utf8'))).toEqual(plain);
    const dir = tempDir();
    writeFileSync(join(dir, 'records.ndjson.gz'), gzipSync(readFileSync(SAMPLE_NDJSON)));
    expect(await outcomesOf([join(dir, 'records.ndjson.gz')])).toEqual(plain);

    const csv = await outcomesOf([SAMPLE_CSV]);
    expect(await outcomesOf(['-', '--format', 'csv'], readFileSync(SAMPLE_CSV, 'utf8'))).toEqual(csv);
    writeFileSync(join(dir, 'records.csv.gz'), gzipSync(readFileSync(SAMPLE_CSV)));
    expect(await outcomesOf([join(dir, 'records.csv.gz')])).toEqual(csv);
    // --format overrides the name: the CSV file read as NDJSON is one parse error per line.
    const forced = await outcomesOf([SAMPLE_CSV, '--format', 'ndjson']);
    expect(forced.every((o) => o[1] === 'rejected' && o[2] === 'PARSE_ERROR')).toBe(true);
  });

  it('reads standard input once only', async () => {
    const r = await run(['--data', tempDir(), 'ingest', '-', '-'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/standard input \(-\) can be read only once \(CONFIG_INVALID\)/);
  });

  it('exits 0 when every record is stored, and reads the data folder from SUNDER_DATA', async () => {
    const dir = tempDir();
    const data = join(dir, 'from-env');
    const good = readFileSync(SAMPLE_NDJSON, 'utf8').split('\n')[0]!;
    const input = join(dir, 'one.ndjson');
    writeFileSync(input, good + '\n');
    const r = await run(['ingest', input, '--media-root', SAMPLE_DIR, '--json'], undefined, { SUNDER_DATA: data });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ records: 1, stored: 1 });
    expect(existsSync(join(data, 'vault.db'))).toBe(true);
    // --data still wins over the variable.
    const other = join(dir, 'from-flag');
    expect((await run(['--data', other, 'ingest', input, '--media-root', SAMPLE_DIR], undefined, { SUNDER_DATA: data })).code).toBe(0);
    expect(existsSync(join(other, 'vault.db'))).toBe(true);
  });

  it('prints its version, and exits 2 on a usage error', async () => {
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe((JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as { version: string }).version);
    const unknown = await run(['ingest', SAMPLE_NDJSON, '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option/);
    expect((await run(['ingest'])).code).toBe(2);
    expect((await run(['no-such-command'])).code).toBe(2);
    expect((await run(['export'])).code).toBe(2);
    expect((await run(['--help'])).code).toBe(0);
  });

  it('scans text from standard input', async () => {
    const text = '我的手机号是13912345678，邮箱 someone@example.com。';
    const json = await run(['scan', '--json'], text);
    expect(json.code).toBe(0);
    const findings = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(findings.map((f) => f.kind).sort()).toEqual(['EMAIL', 'PHONE']);
    expect(json.stdout).not.toContain('13912345678');
    const masked = await run(['scan', '--mask', '-'], text);
    expect(masked.stdout).not.toContain('13912345678');
    expect(masked.stdout).not.toContain('someone@example.com');
  });
});
