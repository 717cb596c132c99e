/**
 * `sunder compact`: rewrites each segment that holds dead records (erased or purged) with only
 * its live ones, then deletes the old segment object and the dead media objects. One segment
 * in memory at a time (a segment is one ingest batch, 8 MiB by default), so memory is bounded
 * by the largest segment, not the store.
 *
 * Crash order: the new segment is named by a pending mark before it is written; the vault swap
 * (new rows, old segment row gone) marks the old object pending in the same transaction; the
 * old object is deleted after. A crash at any point leaves either the old segment live and the
 * new one pending, or the new one live and the old one pending; ingest's recovery deletes
 * whatever is pending.
 */
import { newSortableId } from '../crypto/subject-keys.js';
import { SegmentBuilder } from '../store/segment.js';
import type { ObjectStore } from '../store/object-store.js';
import type { Vault } from '../vault/vault.js';
import { SunderError } from '../errors.js';

export interface CompactResult {
  segmentsRewritten: number;
  segmentsDeleted: number;
  recordsKept: number;
  bytesBefore: number;
  bytesAfter: number;
  mediaDeleted: number;
}

async function readAll(store: ObjectStore, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of await store.get(key)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export async function compactStore(vault: Vault, store: ObjectStore, runId: string): Promise<CompactResult> {
  const r: CompactResult = { segmentsRewritten: 0, segmentsDeleted: 0, recordsKept: 0, bytesBefore: 0, bytesAfter: 0, mediaDeleted: 0 };
  for (const old of await vault.deadSegments()) {
    const live = await vault.liveRecordsIn(old.segmentId);
    r.bytesBefore += old.bytes;
    if (live.length === 0) {
      await vault.replaceSegment(old, null, runId);
      r.segmentsDeleted++;
    } else {
      const bytes = await readAll(store, old.objectKey);
      const next = new SegmentBuilder();
      const moved = live.map((rec) => {
        if (rec.offset + rec.length > bytes.length) throw new SunderError('STORE_CORRUPT', `segment ${old.objectKey} is shorter than the vault says`);
        return { recordId: rec.recordId, ...next.append(bytes.subarray(rec.offset, rec.offset + rec.length)) };
      });
      const segmentId = newSortableId();
      const objectKey = `segments/${segmentId}`;
      await vault.addPending([{ ref: `object:${objectKey}`, runId }]);
      await store.put(objectKey, next.toBuffer());
      await vault.replaceSegment(old, { segment: { segmentId, objectKey, records: moved.length, bytes: next.bytes }, moved }, runId);
      r.segmentsRewritten++;
      r.recordsKept += moved.length;
      r.bytesAfter += next.bytes;
    }
    await store.delete(old.objectKey);
    await vault.clearPending([`object:${old.objectKey}`]);
  }
  for (;;) {
    const dead = await vault.deadMedia(1000);
    if (dead.length === 0) break;
    await store.deleteMany(dead);
    await vault.clearDeadMedia(dead);
    r.mediaDeleted += dead.length;
  }
  return r;
}
