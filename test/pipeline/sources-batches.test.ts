/** Batches end at maxBytes of input as well as at batchSize records. */
import { describe, expect, it } from 'vitest';
import { batchesOf } from '../../src/pipeline/batches.js';
import type { SourceItem } from '../../src/pipeline/sources.js';

async function* items(sizes: number[]): AsyncGenerator<SourceItem> {
  for (const [index, bytes] of sizes.entries()) yield { index, value: { recordId: `r${index}` }, bytes };
}

describe('batches bounded by bytes', () => {
  it('ends a batch once it holds maxBytes, whatever batchSize says', async () => {
    const out: number[][] = [];
    for await (const b of batchesOf(items([10, 10, 10, 10, 30, 1, 1]), 1000, Infinity, 25)) out.push(b.map((i) => i.index));
    expect(out).toEqual([[0, 1, 2], [3, 4], [5, 6]]);
  });

  it('counts items without a size as nothing (objects handed to the library)', async () => {
    const out: number[][] = [];
    async function* objects(): AsyncGenerator<SourceItem> {
      for (let index = 0; index < 5; index++) yield { index, value: {} };
    }
    for await (const b of batchesOf(objects(), 2, Infinity, 1)) out.push(b.map((i) => i.index));
    expect(out).toEqual([[0, 1], [2, 3], [4]]);
  });
});
