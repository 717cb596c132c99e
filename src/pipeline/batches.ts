/**
 * Groups source items into batches. A batch ends when it is full, when the source pauses longer
 * than `maxDelayMs` (a live service should not wait for a thousand records to see its first
 * outcome), or just before a record id that the batch already holds: within a batch every record
 * id is unique, so "duplicate" is always judged against committed state. A batch also ends once
 * it holds `maxBytes` of input (items' `bytes`): with two batches in flight and one being read,
 * memory is bounded by bytes, whatever the records' sizes.
 */
import { recordIdOf } from '../record/validate.js';
import type { SourceItem } from './sources.js';

export async function* batchesOf(items: AsyncIterable<SourceItem>, size: number, maxDelayMs: number, maxBytes = Infinity): AsyncGenerator<SourceItem[]> {
  const it = items[Symbol.asyncIterator]();
  let batch: SourceItem[] = [];
  let ids = new Set<string>();
  let bytes = 0;
  let pending: Promise<IteratorResult<SourceItem>> | undefined;
  const flush = () => {
    const out = batch;
    batch = [];
    ids = new Set();
    bytes = 0;
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
    bytes += item.bytes ?? 0;
    if (batch.length >= size || bytes >= maxBytes) yield flush();
  }
  if (batch.length > 0) yield flush();
}
