/** The bench's stage clock: off, a run adds nothing; on, every stage and the worker's busy time are counted. */
import { describe, expect, it } from 'vitest';
import { writeNdjson } from '../../fixtures/lib/synth.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { BUSY, disableStageClock, enableStageClock, STAGES, stageTotals } from '../../src/pipeline/stage-clock.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir();

async function ingest(dir: string, seed: number): Promise<void> {
  // From an NDJSON file: `parse` times the lines' JSON parsing (objects in are parsed already).
  const file = `${dir}.ndjson`;
  await writeNdjson(file, { seed, count: 400, recordsPerSubject: 3.5, textBytes: 300 });
  const ingestor = await Ingestor.open({ dataDir: dir, workers: 1 });
  const summary = await ingestor.ingestFile(file).done();
  await ingestor.close();
  expect(summary.stored).toBe(400);
}

describe('stage clock', () => {
  it('counts every stage, in the main thread and the sealing worker, only while on', async () => {
    const buffer = enableStageClock();
    disableStageClock();
    await ingest(`${root}/off`, 1);
    expect(new Float64Array(buffer).every((t) => t === 0)).toBe(true);

    enableStageClock();
    try {
      await ingest(`${root}/on`, 2);
      const { total, busy, threads } = stageTotals();
      for (const s of STAGES) expect(total[s], s).toBeGreaterThan(0);
      // Row 0 is the main thread, row 1 the worker: it handled the batch's message (busy), and
      // only ever seals. (Which thread sealed how much depends on timing: the main thread claims
      // the chunks the worker has not reached.)
      expect(threads.length).toBe(2);
      const [main, worker] = threads as [number[], number[]];
      expect(main[STAGES.indexOf('commit')]).toBeGreaterThan(0);
      expect(main[BUSY]).toBe(0);
      expect(worker[BUSY]).toBeGreaterThan(0);
      for (const s of ['parse', 'gate', 'store', 'commit'] as const) expect(worker[STAGES.indexOf(s)], s).toBe(0);
      expect(worker[BUSY]).toBeGreaterThanOrEqual(worker[STAGES.indexOf('seal')]! + worker[STAGES.indexOf('detect')]!);
      expect(busy).toBe(worker[BUSY]);
    } finally {
      disableStageClock();
    }
  });
});
