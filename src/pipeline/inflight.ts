/**
 * The in-flight overlay. Ingest overlaps batches: while batch k seals and commits, batch k+1 is
 * prepared, and must see what k will store (its record ids, the subjects it creates, the
 * withdrawals and ages it records) although the vault does not show them yet. Entries of a
 * batch are dropped at the start of the first prepare after its commit, when vault reads show
 * them; dropping them earlier could let a read that raced the commit miss them. One overlay
 * serves every run of an Ingestor (see batch-queue.ts), so a batch of one run sees what the
 * batches of the others will store.
 */
import type { SubjectRow } from '../vault/vault.js';

/** What prepared-but-uncommitted batches will store, as later batches must see it. */
export class Inflight {
  private seq = 0;
  private readonly committed = new Set<number>();
  private readonly entries = new Map<number, { records: string[]; digests: string[]; subjects: string[] }>();
  readonly records = new Set<string>();
  readonly subjects = new Map<string, SubjectRow>();
  readonly status = new Map<string, SubjectRow['status']>();
  readonly adult = new Map<string, string>();
  /**
   * The batch that last set a subject's status or age. A later batch may overwrite the value
   * (an age only moves earlier); dropping the earlier batch must then leave the later value.
   */
  private readonly setBy = new Map<string, number>();

  /** Starts a batch; first forgets batches whose commit the vault already shows. */
  begin(): number {
    for (const n of this.committed) this.drop(n);
    this.committed.clear();
    const n = ++this.seq;
    this.entries.set(n, { records: [], digests: [], subjects: [] });
    return n;
  }

  /** The batch begun last. */
  get current(): number {
    return this.seq;
  }

  addRecord(batch: number, recordId: string): void {
    this.records.add(recordId);
    this.entries.get(batch)!.records.push(recordId);
  }

  addSubjectDigest(batch: number, key: string, row: SubjectRow): void {
    this.subjects.set(key, row);
    this.entries.get(batch)!.digests.push(key);
  }

  touchSubject(batch: number, subjectId: string): void {
    this.setBy.set(subjectId, batch);
    this.entries.get(batch)!.subjects.push(subjectId);
  }

  /** The batch's commit is visible to vault reads from now on. */
  committedBatch(batch: number): void {
    this.committed.add(batch);
  }

  /**
   * The batch will never commit (it failed): what it would have stored is forgotten at once,
   * so a batch prepared from now on does not count on it.
   */
  abandon(batch: number): void {
    this.drop(batch);
  }

  private drop(n: number): void {
    const e = this.entries.get(n);
    if (e === undefined) return;
    for (const r of e.records) this.records.delete(r);
    for (const d of e.digests) this.subjects.delete(d);
    for (const s of e.subjects) {
      if (this.setBy.get(s) !== n) continue;
      this.status.delete(s);
      this.adult.delete(s);
      this.setBy.delete(s);
    }
    this.entries.delete(n);
  }
}
