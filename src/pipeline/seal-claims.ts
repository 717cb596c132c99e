/**
 * The protocol between the SealerPool and its worker threads: a batch's chunks, and a shared
 * array in which each chunk is claimed by exactly one thread (compare-and-swap), so the main
 * thread can take chunks a worker has not reached yet.
 */
import type { ErrorCode } from '../errors.js';
import type { RecordSealer, SealResult, SealTask } from './seal.js';

/** Claim states in a job's shared array. */
export const UNCLAIMED = 0;
export const BY_WORKER = 1;
export const BY_MAIN = 2;

/** What a worker is sent for one batch: its own chunks, and the claims it shares with the main thread. */
export interface WorkerJob {
  id: number;
  claims: Int32Array;
  chunks: { chunk: number; tasks: SealTask[] }[];
}

/** A worker's answer: the results of the chunks it claimed (the others the main thread sealed). */
export interface WorkerReply {
  id: number;
  sealed?: { chunk: number; results: SealResult[] }[];
  error?: { message: string; code?: ErrorCode };
}

/** Seals a job's chunks in order, skipping those another thread claimed first. Runs in the worker. */
export function sealClaimed(sealer: RecordSealer, job: WorkerJob): { chunk: number; results: SealResult[] }[] {
  const sealed: { chunk: number; results: SealResult[] }[] = [];
  for (const { chunk, tasks } of job.chunks) {
    if (Atomics.compareExchange(job.claims, chunk, UNCLAIMED, BY_WORKER) !== UNCLAIMED) continue;
    sealed.push({ chunk, results: tasks.map((t) => sealer.seal(t)) });
  }
  return sealed;
}
