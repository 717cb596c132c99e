/**
 * Groups source items into batches. A batch ends when it is full, when the source pauses longer
 * than `maxDelayMs` (a live service should not wait for a thousand records to see its first
 * outcome), or just before a record id that the batch already holds: within a batch every record
 * id is unique, so "duplicate" is always judged against committed state.
 */
import { recordIdOf } from '../record/validate.js';
import type { SourceItem } from './sources.js';

export async function* batchesOf(items: AsyncIterable<SourceItem>, size: number, maxDelayMs: number): AsyncGenerator<SourceItem[]> {
  const it = items[Symbol.asyncIterator]();
  let batch: SourceItem[] = [];
  let ids = new Set<string>();
  let pending: Promise<IteratorResult<SourceItem>> | undefined;
  const flush = () => {
    const out = batch;
    batch = [];
    ids = new Set();
    return out;
  };
  for (;;) {
    pending ??= it.next();
    let next: IteratorResult<SourceItem> | 'timeout';
    if (batch.length === 0 || !Number.isFinite(maxDelayMs)) {
      next = await pending;
    } else {
      let timer: NodeJS.Timeout | undefined;
      next = await Promise.race([pending, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), maxDelayMs)))]);
      clearTimeout(timer);
    }
    if (next === 'timeout') {
      yield flush();
      continue;
    }
    pending = undefined;
    if (next.done) break;
    const item = next.value;
    const id = 'value' in item ? recordIdOf(item.value) : undefined;
    if (id !== undefined && ids.has(id)) yield flush();
    batch.push(item);
    if (id !== undefined) ids.add(id);
    if (batch.length >= size) yield flush();
  }
  if (batch.length > 0) yield flush();
}
