/**
 * Export under write faults, and the output folder rules: an export is whole or absent (it is
 * written beside the target and renamed into place), never mixed with an older export's files,
 * and a used folder is replaced only with --force.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';
import { countWrites, emptyMatrix, faultPoints, namedError, runCli, storeProblems, type Matrix } from './harness.js';

const MAX_POINTS = Number(process.env.SUNDER_FAULT_POINTS ?? 8);
const TIMEOUT = 240_000 * Math.max(1, MAX_POINTS / 8);
const CODES = ['ENOSPC', 'EIO', 'EACCES', 'EROFS', 'EDQUOT', 'ENOTDIR', 'EISDIR'];

const manifestLines = (out: string) => readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim().split('\n').length;
/** Everything beside `out` that belongs to an export of it (temporaries, replaced exports). */
const leftovers = (out: string) => readdirSync(dirname(out)).filter((n) => n.startsWith(`.${out.split('/').pop()}.sunder-`));

describe('export faults and the output folder', () => {
  const work = tempDir('sunder-export-faults-');
  const data = join(work, 'data');
  let records = 0;

  beforeAll(async () => {
    const r = await runCli(['--data', data, 'ingest', SAMPLE_NDJSON]);
    expect(r.code, r.stderr).toBe(1);
    const e = await runCli(['--data', data, 'export', '--out', join(work, 'first'), '--json']);
    expect(e.code, e.stderr).toBe(0);
    records = (JSON.parse(e.stdout.trim()) as { records: number }).records;
    expect(records).toBeGreaterThan(100);
  }, TIMEOUT);

  it('every write fault fails the export with a named error and leaves no plaintext', async () => {
    const { writes, result } = await countWrites(['--data', data, 'export', '--out', join(work, 'count')], join(work, 'export.count'));
    expect(result.code, result.stderr).toBe(0);
    const m: Matrix = emptyMatrix();
    const details: string[] = [];
    const notReached: number[] = [];
    const points = faultPoints(writes, MAX_POINTS);
    for (const [i, at] of points.entries()) {
      const out = join(work, 'exports', `out-${at}`);
      mkdirSync(dirname(out), { recursive: true });
      const fault = { at, code: CODES[i % CODES.length]!, mode: i % 3 === 2 ? ('once' as const) : ('from' as const) };
      const tag = `write ${at} ${fault.code} ${fault.mode}`;
      const countFile = join(work, 'exports', `out-${at}.count`);
      const r = await runCli(['--data', data, 'export', '--out', out], { fault, countFile });
      // As in the ingest matrix: a point past this run's own last write never fired (the count
      // varies by a call or two with timing), so it tests nothing and is counted apart.
      // (A run killed as hung writes no count: it reached its point.)
      if (existsSync(countFile) && Number(readFileSync(countFile, 'utf8')) < at) {
        notReached.push(at);
        continue;
      }
      m.runs++;
      if (r.hung) m.hangs++;
      else if (r.code === 0 || r.code === 1) m.successAfterFailure++;
      else if (r.code !== 3 || !namedError(r.stderr)) m.internal++;
      if (r.code !== 3) details.push(`${tag}: exit ${r.code} ${r.stderr.trim()}`);
      // No half export, and no temporary folder of decrypted media left beside it.
      if (existsSync(out) || leftovers(out).length > 0) {
        m.unclean++;
        details.push(`${tag}: left ${existsSync(out) ? readdirSync(out).join(',') : ''} ${leftovers(out).join(',')}`);
      }
      const again = await runCli(['--data', data, 'export', '--out', out]);
      if (again.code !== 0 || manifestLines(out) !== records) {
        m.unclean++;
        details.push(`${tag}: re-run exit ${again.code} ${again.stderr.trim()}`);
      }
    }
    expect(storeProblems(data)).toEqual([]);
    console.log(`export fault matrix: ${writes} write calls, ${m.runs} sampled: ${JSON.stringify(m)}; not reached: ${notReached.join(', ') || 'none'}`);
    expect(details).toEqual([]);
    expect(notReached.length, 'at most the last point or two fall past a run').toBeLessThanOrEqual(2);
    expect(m).toEqual({ ...emptyMatrix(), runs: points.length - notReached.length });
  }, TIMEOUT);

  it('refuses a non-empty output folder without --force, and leaves it untouched', async () => {
    const out = join(work, 'used');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'keep me');
    const r = await runCli(['--data', data, 'export', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not empty.*--force.*\(OUTPUT_NOT_EMPTY\)$/m);
    expect(readdirSync(out)).toEqual(['notes.txt']);
    expect(leftovers(out)).toEqual([]);
  }, TIMEOUT);

  it('--force replaces an old export whole: no stale file survives', async () => {
    const out = join(work, 'replaced');
    expect((await runCli(['--data', data, 'export', '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'media', 'stale.wav'), 'an older export');
    writeFileSync(join(out, 'stale.txt'), 'an older export');
    const r = await runCli(['--data', data, 'export', '--out', out, '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['README.md', 'SHA256SUMS', 'SHA256SUMS.minisig', 'export.json', 'manifest.jsonl', 'media']);
    expect(readdirSync(join(out, 'media'))).not.toContain('stale.wav');
    expect(manifestLines(out)).toBe(records);
    expect(leftovers(out)).toEqual([]);
  }, TIMEOUT);

  it('a failed --force export keeps the old export as it was', async () => {
    const out = join(work, 'kept');
    expect((await runCli(['--data', data, 'export', '--out', out])).code).toBe(0);
    const before = readFileSync(join(out, 'manifest.jsonl'), 'utf8');
    const r = await runCli(['--data', data, 'export', '--out', out, '--force'], { fault: { at: 20, code: 'ENOSPC' } });
    expect(r.code).toBe(3);
    expect(readFileSync(join(out, 'manifest.jsonl'), 'utf8')).toBe(before);
    expect(leftovers(out)).toEqual([]);
  }, TIMEOUT);

  it('removes a temporary export a killed process left, on the next export to the same folder', async () => {
    const out = join(work, 'after-kill');
    // pid 2^22+1 is above Linux's pid_max default: no such process.
    const stale = join(work, `.after-kill.sunder-export-${2 ** 22 + 1}-abcdef012345`);
    mkdirSync(join(stale, 'media'), { recursive: true });
    writeFileSync(join(stale, 'media', 'x.wav'), 'decrypted, half written');
    const r = await runCli(['--data', data, 'export', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(leftovers(out)).toEqual([]);
  }, TIMEOUT);

  it('says a file given as --out is not a folder', async () => {
    const out = join(work, 'a-file');
    writeFileSync(out, 'x');
    const r = await runCli(['--data', data, 'export', '--out', out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/is a file, not a folder \(PATH_NOT_DIRECTORY\)$/m);
  }, TIMEOUT);
});
