/**
 * One path from batches to the vault for every run of an Ingestor.
 *
 * An ingestion service may stream several request bodies into one Ingestor at once. If each run
 * resolved subjects on its own, a new person arriving in two runs would become two subjects, and
 * the vault would keep only the first one's blind indexes: the second would hold records no
 * identifier finds. So the batches of all runs are prepared one at a time, against one in-flight
 * overlay and one set of key caches, and commit in the order they were prepared: a batch that
 * counts on a subject another run's batch creates commits after it, or not at all.
 *
 * With a vault many hosts write (PostgreSQL), a commit can lose a race: another host committed
 * one of the batch's new subjects or records first (VAULT_CONFLICT). The batch then cleans up
 * what it wrote and is prepared again, now seeing the winner's rows; every batch behind it that
 * was prepared against its overlay is prepared again too, since it may count on a subject that
 * never committed.
 */
import type { SubjectPublicKeys, SubjectSecrets } from '../crypto/subject-keys.js';
import type { SourceItem } from './sources.js';
import { ByteBoundedMap, bytesOf, stringBytes } from './byte-bounded-map.js';
import { cacheBudget } from './cache-budget.js';
import { Inflight } from './inflight.js';
import { isSunderError } from '../errors.js';
import { commitBatch, discardBatch, hasMedia, prepareBatch, sealBatch, type BatchDeps, type BatchResult, type BlindDigest, type PreparedBatch } from './batch.js';

/** A submitted batch's place in the commit order. */
interface Link {
  /** Settles (never rejects) after the batch committed or failed, and never before the batch ahead of it. */
  settled: Promise<void>;
  isSettled: boolean;
  error?: unknown;
  /** The batch was prepared again after losing a race: batches prepared against its first overlay must be too. */
  redone?: boolean;
}

/** Commits lost in a row before the batch fails: each loss means another host made progress. */
const MAX_ATTEMPTS = 50;

/** The state every run of an Ingestor shares; a run's `BatchDeps` take these very maps. */
export class BatchQueue {
  readonly inflight = new Inflight();
  /** keyId -> the subject's public keys (business and identity), bounded in bytes. */
  readonly publicKeys: ByteBoundedMap<string, SubjectPublicKeys>;
  /** keyId -> secret keys of a new subject whose public keys are not derived yet. */
  readonly newSecrets = new Map<string, SubjectSecrets>();
  /** `${kind}\0${normalised identifier}` -> its blind-index digest, bounded in bytes. */
  readonly blindDigests: ByteBoundedMap<string, BlindDigest>;
  /** Resolves when the batch preparing now (or a batch with media, until it commits) lets go. */
  private turn: Promise<void> = Promise.resolve();
  private tail: Link | undefined;
  /** Held only while `prepareBatch` runs: a batch prepared again takes this, not the turn. */
  private preparing: Promise<void> = Promise.resolve();

  /** `budget`: bytes for the two caches (cache-budget.ts). */
  constructor(budget: { publicKeys: number; blindDigests: number } = cacheBudget()) {
    this.publicKeys = new ByteBoundedMap(budget.publicKeys, (k, v) => 96 + stringBytes(k) + bytesOf(v.business) + bytesOf(v.identity));
    this.blindDigests = new ByteBoundedMap(budget.blindDigests, (k, v) => 96 + stringBytes(k) + bytesOf(v.digest) + stringBytes(v.key));
  }

  /**
   * Prepares a batch when no other batch of any run is being prepared, then starts sealing and
   * committing it. `done` gives the batch's outcomes once it committed; it rejects if the batch,
   * or an earlier batch still in flight when this one was prepared, failed.
   */
  async submit(deps: BatchDeps, items: SourceItem[]): Promise<{ prepared: PreparedBatch; done: Promise<BatchResult> }> {
    const release = await this.takeTurn();
    // Taken with the turn: every batch ahead of this one whose overlay entries this prepare may
    // see is this one or before it in the chain.
    const after = this.tail !== undefined && !this.tail.isSettled ? this.tail : undefined;
    let prepared: PreparedBatch;
    try {
      prepared = await this.prepare(deps, items);
    } catch (err) {
      release();
      throw err;
    }
    const first = prepared;
    let current = prepared;
    const link: Link = { isSettled: false, settled: Promise.resolve() };
    const done = (async () => {
      let ahead = after;
      for (let attempt = 1; ; attempt++) {
        try {
          await sealBatch(deps, current);
        } finally {
          // Links settle in order, so a settled tail means nothing before it is in flight.
          if (ahead !== undefined) await ahead.settled;
        }
        if (ahead?.error !== undefined) throw ahead.error;
        const stale = ahead?.redone === true;
        ahead = undefined;
        if (stale) {
          await discardBatch(deps, current);
        } else {
          try {
            return await commitBatch(deps, current);
          } catch (err) {
            if (!isSunderError(err, 'VAULT_CONFLICT') || attempt >= MAX_ATTEMPTS) throw err;
          }
        }
        link.redone = true;
        this.forget(current);
        current = await this.prepare(deps, items);
      }
    })();
    link.settled = done.then(
      () => { link.isSettled = true; },
      (err: unknown) => {
        this.forget(current);
        link.error = err ?? new Error('batch failed');
        link.isSettled = true;
      },
    );
    this.tail = link;
    // A batch with media may still reject records (and so not store subjects it created) after
    // prepare: no batch of any run is prepared against it until it committed.
    if (hasMedia(prepared)) void link.settled.then(release);
    else release();
    done.catch(() => undefined);
    return { prepared: first, done };
  }

  /** One `prepareBatch` at a time, across runs and retries. */
  private async prepare(deps: BatchDeps, items: SourceItem[]): Promise<PreparedBatch> {
    const previous = this.preparing;
    let release!: () => void;
    this.preparing = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await prepareBatch(deps, items);
    } catch (err) {
      // prepareBatch begins its overlay batch first thing; whatever it registered goes.
      this.inflight.abandon(this.inflight.current);
      throw err;
    } finally {
      release();
    }
  }

  /** What a batch that will not commit registered: its overlay entries and new subjects' secrets. */
  private forget(prepared: PreparedBatch): void {
    this.inflight.abandon(prepared.seq);
    for (const c of prepared.created.values()) this.newSecrets.delete(c.key.keyId);
  }

  private async takeTurn(): Promise<() => void> {
    const previous = this.turn;
    let release!: () => void;
    this.turn = new Promise<void>((r) => (release = r));
    await previous;
    return release;
  }
}
