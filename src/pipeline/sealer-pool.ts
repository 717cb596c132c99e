/**
 * Spreads sealing over both cores. Each batch is cut into chunks by subject; worker threads seal
 * their chunks front to back while the main thread, whenever it has nothing else to do, claims
 * chunks from the back and seals them itself. Records keep their order: results come back per
 * task index.
 *
 * Why claiming and not a fixed split: the main thread also parses, resolves and commits, and how
 * much time that leaves depends on the input (new subjects cost the main thread little and the
 * sealer much; the load of a shared machine moves it further). A fixed or adapted share left the
 * main thread idle 17-37% of a run while the worker was saturated. With chunks claimed through a
 * shared array, both threads stay busy until a batch is done, whatever the mix.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { SunderError } from '../errors.js';
import { BY_MAIN, UNCLAIMED, type WorkerJob, type WorkerReply } from './seal-claims.js';
import { RecordSealer, type RecordSealerOptions, type SealResult, type SealTask } from './seal.js';
import { stageClockBuffer } from './stage-clock.js';

export interface SealerPoolOptions extends RecordSealerOptions {
  /**
   * Worker threads. 0 seals everything on the calling thread.
   * @default availableParallelism() - 1
   */
  workers?: number;
  /** Batches smaller than this are sealed locally (a worker's start-up is not worth it). @default 64 */
  minTasksForWorkers?: number;
  /**
   * Chunks per batch: the unit a thread claims. More balance the threads' finishing times
   * better; fewer split fewer subjects between threads. @default 32
   */
  chunks?: number;
}

/** A stable, even spread of ids over [0, 1) (FNV-1a). */
function spread(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

interface Pending {
  resolve: (r: NonNullable<WorkerReply['sealed']>) => void;
  reject: (e: Error) => void;
}

interface Job {
  tasks: SealTask[];
  /** Task indices per chunk. */
  chunks: number[][];
  claims: Int32Array;
  /** Chunks the main thread has not yet tried to claim, highest first. */
  next: number;
  results: SealResult[];
  /** The workers' parts. */
  remote: Promise<{ chunk: number; results: SealResult[] }[][]>;
  /** The caller has nothing else to do until this batch is sealed: help at once. */
  urgent: boolean;
  resolve: (r: SealResult[]) => void;
  reject: (e: Error) => void;
}

/** Counts of tasks sealed by each side, for tests and benchmarks. */
export interface SealerPoolStats {
  local: number;
  remote: number;
}

export class SealerPool {
  private readonly local: RecordSealer;
  private workers: { worker: Worker; pending: Map<number, Pending> }[] | undefined;
  private nextId = 0;
  private readonly count: number;
  private readonly chunkCount: number;
  private failure: Error | undefined;
  /** Batches not yet finished, oldest first; the main thread helps only the oldest. */
  private readonly jobs: Job[] = [];
  private helping = false;
  /** Wakes a main thread waiting for a batch to help with. */
  private wake: ((why: 'job') => void) | undefined;
  readonly stats: SealerPoolStats = { local: 0, remote: 0 };

  constructor(private readonly options: SealerPoolOptions) {
    this.local = new RecordSealer(options);
    this.count = Math.max(0, options.workers ?? availableParallelism() - 1);
    this.chunkCount = Math.max(1, Math.min(1024, options.chunks ?? 32));
  }

  private start(): NonNullable<SealerPool['workers']> {
    if (this.workers !== undefined) return this.workers;
    // Compiled, the worker is a .js file beside this one. From sources (tests, tsx scripts) it
    // is a .ts file, and Node 20 does not pass the parent's loader hooks to workers: a small
    // bootstrap registers tsx in the worker first, then imports the worker module.
    const ts = import.meta.url.endsWith('.ts');
    const url = new URL(ts ? './seal-worker.ts' : './seal-worker.js', import.meta.url);
    const base = { indexKey: this.options.indexKey, policy: this.options.policy, tokenKey: this.options.tokenKey, cache: this.options.cache };
    // A benchmark's stage clock, if it is on: each worker adds into its own row (stage-clock.ts).
    const clock = stageClockBuffer();
    this.workers = Array.from({ length: this.count }, (_, w) => {
      const workerData = clock === undefined ? base : { ...base, stageClock: { buffer: clock, row: 1 + w } };
      const worker = ts
        ? new Worker(
            `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })` +
              `.catch((e) => { console.error(e); process.exit(1); });`,
            { eval: true, workerData },
          )
        : new Worker(url, { workerData });
      const pending = new Map<number, Pending>();
      worker.on('message', (msg: WorkerReply) => {
        const p = pending.get(msg.id);
        if (p === undefined) return;
        pending.delete(msg.id);
        if (msg.sealed !== undefined) p.resolve(msg.sealed);
        else p.reject(new SunderError(msg.error?.code ?? 'INTERNAL', `sealing worker: ${msg.error?.message ?? 'failed'}`));
      });
      const fail = (err: Error) => {
        this.failure = err;
        for (const p of pending.values()) p.reject(err);
        pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (code !== 0) fail(new SunderError('INTERNAL', `sealing worker exited with code ${code}`));
      });
      return { worker, pending };
    });
    return this.workers;
  }

  private send(w: { worker: Worker; pending: Map<number, Pending> }, job: Omit<WorkerJob, 'id'>): Promise<{ chunk: number; results: SealResult[] }[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      w.worker.postMessage({ id, ...job } satisfies WorkerJob);
    });
  }

  /**
   * Seals every task; results in task order. Tasks are chunked by subject, not by position:
   * each thread caches per-subject work (the X25519 shared key, the compiled known-value
   * matcher), and a subject split across threads would pay for it on each. Worker w owns the
   * chunks c with c % workers = w and claims them in rising order; the main thread claims from
   * the highest chunk down, so a subject stays with one thread unless the meeting point moves.
   */
  sealAll(tasks: SealTask[], options: { urgent?: boolean } = {}): Promise<SealResult[]> {
    if (this.count === 0 || tasks.length < (this.options.minTasksForWorkers ?? 64)) {
      this.stats.local += tasks.length;
      return Promise.resolve(tasks.map((t) => this.local.seal(t)));
    }
    const workers = this.start();
    const n = this.chunkCount;
    const chunks: number[][] = Array.from({ length: n }, () => []);
    tasks.forEach((t, i) => chunks[Math.min(n - 1, Math.floor(spread(t.subjectId) * n))]!.push(i));
    const claims = new Int32Array(new SharedArrayBuffer(4 * n));
    const remote = Promise.all(workers.map((w, wi) => {
      const mine: WorkerJob['chunks'] = [];
      for (let c = wi; c < n; c += workers.length) if (chunks[c]!.length > 0) mine.push({ chunk: c, tasks: chunks[c]!.map((i) => tasks[i]!) });
      return mine.length === 0 ? Promise.resolve([]) : this.send(w, { claims, chunks: mine });
    }));
    remote.catch(() => undefined); // surfaced through the job's promise
    return new Promise<SealResult[]>((resolve, reject) => {
      this.jobs.push({ tasks, chunks, claims, next: n - 1, results: new Array(tasks.length), remote, urgent: options.urgent === true, resolve, reject });
      this.wake?.('job');
      void this.help();
    });
  }

  /**
   * Tells the pool the caller will only wait from now on (the input has ended): the main
   * thread helps with every batch in flight, the last one included.
   */
  hurry(): void {
    for (const job of this.jobs) job.urgent = true;
    this.wake?.('job');
  }

  private nextJob(): Promise<'job'> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /**
   * The main thread's share: one chunk per turn of the event loop, so reading, resolving and
   * committing (the main thread's own work) wait at most one chunk. Only the oldest batch is
   * helped, and only while a younger one is queued behind it (then the caller has prepared all
   * it can and is waiting, and the workers still have a batch to go on with when this one's
   * chunks are all claimed) or when the caller said it will only wait (`urgent`, `hurry`).
   */
  private async help(): Promise<void> {
    if (this.helping) return;
    this.helping = true;
    try {
      for (let job = this.jobs[0]; job !== undefined; job = this.jobs[0]) {
        try {
          for (;;) {
            if (this.jobs.length < 2 && !job.urgent) {
              // Nothing queued behind this batch: the main thread's time is better spent
              // preparing the next one, so the workers never run dry. Help again once it comes.
              if ((await Promise.race([job.remote.then(() => 'done'), this.nextJob()])) === 'done') break;
              continue;
            }
            while (job.next >= 0 && (job.chunks[job.next]!.length === 0 || Atomics.load(job.claims, job.next) !== UNCLAIMED)) job.next--;
            if (job.next < 0) break;
            await nextTurn();
            const c = job.next--;
            if (Atomics.compareExchange(job.claims, c, UNCLAIMED, BY_MAIN) !== UNCLAIMED) continue;
            for (const i of job.chunks[c]!) job.results[i] = this.local.seal(job.tasks[i]!);
            this.stats.local += job.chunks[c]!.length;
          }
          for (const part of await job.remote) {
            for (const { chunk, results } of part) {
              job.chunks[chunk]!.forEach((i, k) => (job.results[i] = results[k]!));
              this.stats.remote += results.length;
            }
          }
          job.resolve(job.results);
        } catch (err) {
          job.reject(err instanceof Error ? err : new Error(String(err)));
        }
        this.jobs.shift();
      }
    } finally {
      this.helping = false;
    }
  }

  async close(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}
