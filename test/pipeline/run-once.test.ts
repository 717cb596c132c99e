/**
 * An IngestRun reads its source once. Regression: `done()` after iterating started the run over,
 * re-reading a file (every record a duplicate, a second run folder) or an exhausted stream.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

describe('an ingest run', () => {
  it('done() after iteration only returns the summary; iterating again is refused', async () => {
    const dataDir = tempDir();
    const ingestor = await Ingestor.open({ dataDir, workers: 0 });
    try {
      const run = ingestor.ingestFile(SAMPLE_NDJSON);
      let seen = 0;
      for await (const _ of run) seen++;
      const summary = await run.done();
      expect(summary.records).toBe(seen);
      expect(await run.done()).toBe(summary);
      expect(() => run[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
      expect(readdirSync(layoutOf({ dataDir }).runs)).toHaveLength(1);
    } finally {
      await ingestor.close();
    }
  });

  it('done() called twice at once consumes the run once and gives both callers the same summary', async () => {
    const dataDir = tempDir();
    const ingestor = await Ingestor.open({ dataDir, workers: 0 });
    try {
      const run = ingestor.ingestFile(SAMPLE_NDJSON);
      const [a, b] = await Promise.all([run.done(), run.done()]);
      expect(a).toBe(b);
      expect(readdirSync(layoutOf({ dataDir }).runs)).toHaveLength(1);
    } finally {
      await ingestor.close();
    }
  });
});
