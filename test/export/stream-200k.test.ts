/**
 * Streaming in bounded memory: an export of 200,000 text records (with the k-anonymity check's
 * two passes and the ledger) peaks at about the RSS of an export of 20,000 from the same store.
 * Each export runs in its own process, so its peak RSS is its own.
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

async function exportIn(dataDir: string, out: string): Promise<{ records: number; maxRssKiB: number; elapsedMs: number; kAnonymity: { smallestClass: number } }> {
  const { stdout } = await promisify(execFile)(process.execPath, [CHILD, dataDir, out, 'acme', '5'], { encoding: 'utf8', maxBuffer: 1 << 20 });
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
    console.log(`export RSS: ${small.records} records ${Math.round(small.maxRssKiB / 1024)} MiB in ${small.elapsedMs} ms; ` +
      `${big.records} records ${Math.round(big.maxRssKiB / 1024)} MiB in ${big.elapsedMs} ms`);
    expect(small.records).toBeGreaterThan(19_000);
    expect(big.records).toBeGreaterThan(190_000);
    expect(big.kAnonymity.smallestClass).toBeGreaterThanOrEqual(5);
    // Ten times the records, about the same peak: nothing is held per record.
    expect(big.maxRssKiB - small.maxRssKiB).toBeLessThan(64 * 1024);
    expect(big.maxRssKiB).toBeLessThan(400 * 1024);
  }, 900_000);
});
