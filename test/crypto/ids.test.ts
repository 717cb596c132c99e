/** Random ids: key ids say nothing; sortable ids (subjects, segments) sort by creation time. */
import { describe, expect, it } from 'vitest';
import { newId, newSortableId } from '../../src/crypto/subject-keys.js';

describe('ids', () => {
  it('newId is 128 random bits: no two alike, no order', () => {
    const ids = Array.from({ length: 2000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('newSortableId sorts by creation time and is unique within a millisecond', () => {
    const t = Date.UTC(2026, 10, 28);
    const same = Array.from({ length: 2000 }, () => newSortableId(t));
    expect(new Set(same).size).toBe(same.length);
    for (const id of same) expect(id).toMatch(/^[0-9a-f]{32}$/);
    const later = newSortableId(t + 1);
    for (const id of same) expect(id < later).toBe(true);
    // Text order is time order across digit-count changes of the timestamp, up to the year 10889.
    expect(newSortableId(0xfffffffff) < newSortableId(0x1000000000)).toBe(true);
  });
});
