/**
 * Streaming in bounded memory: an export of 200,000 text records (with the k-anonymity check's
 * two passes and the ledger) holds about as much live memory at its peak as an export of 20,000
 * from the same store. Each export runs in its own process, so its peaks are its own. The live
 * heap (after a full collection) is the oracle; peak RSS is reported, but it also holds what the
 * collector has not returned yet, which grows with run time, not with what is retained.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeNdjson } from '../../fixtures/lib/synth.js';
import { addRecipient } from '../../src/export/recipients.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = join(import.meta.dirname, 'export-child.mjs');

async function ingest(dataDir: string, input: string, count: number, seed: number, idPrefix: string): Promise<void> {
  await writeNdjson(input, { seed, count, recordsPerSubject: 50, textBytes: 200, idPrefix });
  const ingestor = await Ingestor.open({ dataDir });
  try {
    await ingestor.ingestFile(input).done();
  } finally {
    await ingestor.close();
  }
}

async function exportIn(dataDir: string, out: string): Promise<{ records: number; maxRssKiB: number; peakLiveKiB: number; elapsedMs: number; kAnonymity: { smallestClass: number } }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHILD, dataDir, out, 'acme', '5'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('export of 200,000 records', () => {
  it('streams in bounded memory', async () => {
    const dataDir = tempDir();
    const work = tempDir();
    await ingest(dataDir, join(work, 'a.ndjson'), 20_000, 13, 'a');
    await addRecipient({ name: 'acme', jurisdiction: 'CN' }, { dataDir });
    const small = await exportIn(dataDir, join(work, 'small'));
    await ingest(dataDir, join(work, 'b.ndjson'), 180_000, 14, 'b');
    const big = await exportIn(dataDir, join(work, 'big'));
    const mib = (k: number) => Math.round(k / 1024);
    console.log(`export: ${small.records} records: peak RSS ${mib(small.maxRssKiB)} MiB, live ${mib(small.peakLiveKiB)} MiB, ${small.elapsedMs} ms; ` +
      `${big.records} records: peak RSS ${mib(big.maxRssKiB)} MiB, live ${mib(big.peakLiveKiB)} MiB, ${big.elapsedMs} ms`);
    expect(small.records).toBeGreaterThan(19_000);
    expect(big.records).toBeGreaterThan(190_000);
    expect(big.kAnonymity.smallestClass).toBeGreaterThanOrEqual(5);
    // Ten times the records, about the same live peak: nothing is held per record (200 bytes a
    // record would be 36 MiB more); subjects (about 10 times as many too) are a few hundred bytes each.
    expect(big.peakLiveKiB - small.peakLiveKiB).toBeLessThan(24 * 1024);
    expect(big.maxRssKiB).toBeLessThan(512 * 1024);
  }, 1_800_000);
});
