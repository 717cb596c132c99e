/**
 * The media limits (size, declared pixels) come from the policy's `input` section and the CLI's
 * `--max-media-bytes` / `--max-media-pixels`, the flag over the policy over the default. Each
 * refused file is its record's own MEDIA_REJECTED outcome; the rest of the batch is stored.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/record/policy.js';
import { SAMPLE_DIR, SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The sample's records that carry media. */
const mediaRecords = (() => {
  const file = join(tempDir(), 'media.ndjson');
  writeFileSync(file, readFileSync(SAMPLE_NDJSON, 'utf8').split('\n').filter((l) => l.includes('"media"')).join('\n') + '\n');
  return file;
})();

/** Media rejection codes of one ingest, counted, and how many records were stored. */
async function ingest(extra: string[]): Promise<{ stored: number; media: Record<string, number> }> {
  const r = await cli(['--data', tempDir(), 'ingest', mediaRecords, '--media-root', SAMPLE_DIR, '--json', ...extra]);
  expect(r.code, r.stderr).toBe(1); // the sample has rejected records whatever the limits
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { stored: number; outcomesFiles: string[] };
  const media: Record<string, number> = {};
  for (const line of readFileSync(summary.outcomesFiles[0]!, 'utf8').trim().split('\n')) {
    const o = JSON.parse(line) as { code?: string; reason?: string };
    if (o.code === 'MEDIA_REJECTED') {
      const code = o.reason!.split(':')[0]!;
      media[code] = (media[code] ?? 0) + 1;
    }
  }
  return { stored: summary.stored, media };
}

function policyFile(input: Record<string, number>): string {
  const file = join(tempDir(), 'policy.json');
  writeFileSync(file, JSON.stringify({ input }));
  return file;
}

describe('configurable media limits', () => {
  it('--max-media-pixels rejects each image by itself; the policy sets the size limit; the flag wins over the policy', async () => {
    const base = await ingest([]);
    expect(base.media.MEDIA_TOO_MANY_PIXELS ?? 0).toBe(0);
    expect(base.media.MEDIA_TOO_LARGE ?? 0).toBe(0);
    expect(base.stored).toBeGreaterThan(2);

    const pixels = await ingest(['--max-media-pixels', '1000']);
    expect(pixels.media.MEDIA_TOO_MANY_PIXELS).toBeGreaterThan(0);
    expect(pixels.stored).toBeLessThan(base.stored);
    // Audio and video have no pixels to count: some records are still stored.
    expect(pixels.stored).toBeGreaterThan(0);

    const tiny = policyFile({ maxMediaBytes: 100 });
    const bytes = await ingest(['--policy', tiny]);
    expect(bytes.stored).toBe(0);
    // Every stored record had a file; some refused ones too (a record's other faults may come first).
    expect(bytes.media.MEDIA_TOO_LARGE).toBeGreaterThanOrEqual(base.stored);

    const overridden = await ingest(['--policy', tiny, '--max-media-bytes', String(1024 ** 3)]);
    expect(overridden).toEqual(base);

    const viaPolicy = await ingest(['--policy', policyFile({ maxMediaPixels: 1000 })]);
    expect(viaPolicy).toEqual(pixels);
  });

  it('refuses a limit that is not a positive whole number, naming the flag or the policy key', async () => {
    for (const bad of ['0', '-5', '1.5', '10k', '']) {
      const r = await cli(['--data', tempDir(), 'ingest', mediaRecords, '--max-media-bytes', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/--max-media-bytes: expected a positive whole number \(CONFIG_INVALID\)$/m);
    }
    expect(() => parsePolicy({ input: { maxMediaPixels: 0 } })).toThrow(/input\.maxMediaPixels/);
    expect(parsePolicy({}).input).toMatchObject({ maxMediaBytes: 4 * 1024 ** 3, maxMediaPixels: 0x3fff * 0x3fff });
  });
});
