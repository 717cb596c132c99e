/**
 * Spreads sealing over both cores: worker threads take most of each batch while the main thread
 * seals a share itself and then goes on reading and resolving the next batch. Records keep
 * their order: results come back per task index.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { SunderError, type ErrorCode } from '../errors.js';
import { RecordSealer, type RecordSealerOptions, type SealResult, type SealTask } from './seal.js';

export interface SealerPoolOptions extends RecordSealerOptions {
  /**
   * Worker threads. 0 seals everything on the calling thread.
   * @default availableParallelism() - 1
   */
  workers?: number;
  /**
   * Share of each batch the main thread seals itself. Unset, it adapts: the main thread also
   * parses, resolves and commits, and how much time that leaves depends on the input (new
   * subjects cost the main thread little and the sealer much). The pool watches the main
   * thread's event-loop utilisation and moves work to it while it has time to spare.
   * @default adaptive, starting at 0.1
   */
  localShare?: number;
  /** Batches smaller than this are sealed locally (a worker's start-up is not worth it). @default 64 */
  minTasksForWorkers?: number;
}

/** A stable, even spread of ids over [0, 1) (FNV-1a). */
function spread(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

interface Pending {
  resolve: (r: SealResult[]) => void;
  reject: (e: Error) => void;
}

export class SealerPool {
  private readonly local: RecordSealer;
  private workers: { worker: Worker; pending: Map<number, Pending> }[] | undefined;
  private nextId = 0;
  private readonly count: number;
  private failure: Error | undefined;
  private share: number;
  private elu = performance.eventLoopUtilization();

  constructor(private readonly options: SealerPoolOptions) {
    this.local = new RecordSealer(options);
    this.count = Math.max(0, options.workers ?? availableParallelism() - 1);
    this.share = options.localShare ?? 0.1;
  }

  /** Nudges the local share toward keeping the main thread busy but not saturated. */
  private adapt(): void {
    if (this.options.localShare !== undefined) return;
    const now = performance.eventLoopUtilization();
    const used = performance.eventLoopUtilization(now, this.elu).utilization;
    this.elu = now;
    if (used < 0.85) this.share = Math.min(0.5, this.share + 0.05);
    else if (used > 0.95) this.share = Math.max(0, this.share - 0.05);
  }

  private start(): NonNullable<SealerPool['workers']> {
    if (this.workers !== undefined) return this.workers;
    // Compiled, the worker is a .js file beside this one. From sources (tests, tsx scripts) it
    // is a .ts file, and Node 20 does not pass the parent's loader hooks to workers: a small
    // bootstrap registers tsx in the worker first, then imports the worker module.
    const ts = import.meta.url.endsWith('.ts');
    const url = new URL(ts ? './seal-worker.ts' : './seal-worker.js', import.meta.url);
    const workerData = { indexKey: this.options.indexKey, policy: this.options.policy, tokenKey: this.options.tokenKey };
    this.workers = Array.from({ length: this.count }, () => {
      const worker = ts
        ? new Worker(
            `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })` +
              `.catch((e) => { console.error(e); process.exit(1); });`,
            { eval: true, workerData },
          )
        : new Worker(url, { workerData });
      const pending = new Map<number, Pending>();
      worker.on('message', (msg: { id: number; results?: SealResult[]; error?: { message: string; code?: ErrorCode } }) => {
        const p = pending.get(msg.id);
        if (p === undefined) return;
        pending.delete(msg.id);
        if (msg.results !== undefined) p.resolve(msg.results);
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

  private send(w: { worker: Worker; pending: Map<number, Pending> }, tasks: SealTask[]): Promise<SealResult[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      w.worker.postMessage({ id, tasks });
    });
  }

  /**
   * Seals every task; results in task order. Tasks go to threads by subject, not by position:
   * each thread caches per-subject work (the X25519 shared key, the compiled known-value
   * matcher), and a subject split across threads would pay for it on each.
   */
  async sealAll(tasks: SealTask[]): Promise<SealResult[]> {
    if (this.count === 0 || tasks.length < (this.options.minTasksForWorkers ?? 64)) return tasks.map((t) => this.local.seal(t));
    const workers = this.start();
    this.adapt();
    const localShare = this.share;
    const parts: number[][] = Array.from({ length: workers.length + 1 }, () => []);
    tasks.forEach((t, i) => {
      const u = spread(t.subjectId);
      const bucket = u < localShare ? 0 : 1 + Math.min(workers.length - 1, Math.floor(((u - localShare) / (1 - localShare)) * workers.length));
      parts[bucket]!.push(i);
    });
    // Send the workers their parts first, so they run while this thread seals its own.
    const remote = workers.map((w, i) => {
      const idx = parts[i + 1]!;
      return idx.length === 0 ? Promise.resolve([]) : this.send(w, idx.map((j) => tasks[j]!));
    });
    const results: SealResult[] = new Array(tasks.length);
    for (const j of parts[0]!) results[j] = this.local.seal(tasks[j]!);
    const theirs = await Promise.all(remote);
    theirs.forEach((r, i) => parts[i + 1]!.forEach((j, k) => (results[j] = r[k]!)));
    return results;
  }

  async close(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}
