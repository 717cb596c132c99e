/**
 * Memory is bounded by bytes in flight, not by record count: large records ingest in a child
 * process under a peak-RSS bound. Before input.maxBatchBytes, a batch held up to 1,000 records
 * and 100 records of 11 MB took 3.4 GB (12 of them, with the bound lifted: 554 MB). The full-size run is
 * bench/memory.ts (100 records: 463 MB).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BENCH = join(import.meta.dirname, '../../bench/memory.ts');

describe('memory bound', () => {
  it('ingests 16 records of 11 MB in under 512 MB of peak RSS', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', BENCH, '--records', '16', '--mb', '11'], { encoding: 'utf8', timeout: 120_000 });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { stored: number; recordBytes: number; maxRssMB: number };
    expect(r.stored).toBe(16);
    expect(r.recordBytes).toBeGreaterThan(11_000_000);
    expect(r.maxRssMB).toBeLessThan(512);
  }, 120_000);
});
