/**
 * The library's streaming API: records in as objects (async iterable or object-mode Readable),
 * outcomes out in input order, with backpressure, and outcomes for a slow source without waiting
 * for a full batch.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { generateRecords } from '../../fixtures/lib/synth.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { tempDir } from '../helpers/tmp.js';

describe('streaming ingest API', () => {
  it('pulls from the source only as fast as outcomes are consumed', async () => {
    const ingestor = await Ingestor.open({ dataDir: tempDir(), policy: { batchSize: 100 }, workers: 0 });
    let pulled = 0;
    const source = (function* () {
      for (const r of generateRecords({ seed: 3, count: 5_000, textBytes: 200 })) {
        pulled++;
        yield r;
      }
    })();
    const it = ingestor.ingest(source)[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toMatchObject({ status: 'stored', index: 0 });
    // Two batches may be in hand (one committing, one prepared); nothing near the whole input.
    expect(pulled).toBeLessThanOrEqual(300);
    let last = first.value!.index;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      expect(r.value.index).toBe(last + 1);
      last = r.value.index;
    }
    expect(last).toBe(4_999);
    await ingestor.close();
  });

  it('reports progress as batches are accounted, never behind the outcomes consumed, and equal to the summary at the end', async () => {
    const ingestor = await Ingestor.open({ dataDir: tempDir(), policy: { batchSize: 100 }, workers: 0 });
    const records = [...generateRecords({ seed: 6, count: 450, textBytes: 100 })];
    records.splice(10, 0, { recordId: 'broken' } as never);
    const run = ingestor.ingest([...records, records[0]]);
    expect(run.progress).toEqual({ records: 0, stored: 0, rejected: 0, duplicates: 0 });
    let consumed = 0;
    const seen: number[] = [];
    const summary = await run.done(() => {
      consumed++;
      expect(run.progress.records).toBeGreaterThanOrEqual(consumed);
      seen.push(run.progress.records);
    });
    expect(new Set(seen).size).toBeGreaterThan(1);
    expect(run.progress).toMatchObject({ records: 452, stored: 450, rejected: 1, duplicates: 1 });
    expect(summary).toMatchObject(run.progress);
    await ingestor.close();
  });

  it('takes an object-mode Readable and answers a slow source within the batch delay', async () => {
    const ingestor = await Ingestor.open({ dataDir: tempDir(), maxBatchDelayMs: 50 });
    const records = [...generateRecords({ seed: 4, count: 3, textBytes: 100 })];
    const readable = new Readable({ objectMode: true, read() {} });
    readable.push(records[0]);
    const it = ingestor.ingest(readable)[Symbol.asyncIterator]();
    const started = Date.now();
    const first = await it.next();
    // The source is still open: the outcome came from the delay, not from the end of input.
    expect(first.value).toMatchObject({ status: 'stored', recordId: records[0]!.recordId });
    expect(Date.now() - started).toBeLessThan(5_000);
    readable.push(records[1]);
    readable.push(records[2]);
    readable.push(null);
    const rest = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest.map((o) => o.status)).toEqual(['stored', 'stored']);
    await ingestor.close();
  });

  it('lets a consumer stop early: the batch in flight settles, and a re-run completes the rest', async () => {
    const dataDir = tempDir();
    const records = [...generateRecords({ seed: 5, count: 1_000, textBytes: 100 })];
    const first = await Ingestor.open({ dataDir, policy: { batchSize: 100 } });
    for await (const o of first.ingest(records)) {
      expect(o.status).toBe('stored');
      break;
    }
    await first.close();
    const second = await Ingestor.open({ dataDir });
    const summary = await second.ingest(records).done();
    await second.close();
    expect(summary.records).toBe(1_000);
    expect(summary.stored + summary.duplicates).toBe(1_000);
    expect(summary.duplicates).toBeGreaterThanOrEqual(100);
  });
});
