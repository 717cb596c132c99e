/**
 * Time per ingest stage, for bench/ingest: off unless a benchmark turns it on, and then two
 * `performance.now()` calls per stage entry. Each thread adds into its own row of one shared
 * array (row 0 the main thread, row 1 + w worker w), so no locks and no messages are needed and
 * the bench reads every thread's totals at the end of a run.
 *
 * The times are thread time spent inside each stage's synchronous code (garbage collection that
 * happens there included), not CPU time from the OS: the bench sets their sum beside the process's
 * CPU time and prints the rest as "other" (messaging between threads, I/O callbacks, idle loops).
 */
import { performance } from 'node:perf_hooks';

/** The stages, in pipeline order; an index into a row. */
export const STAGES = ['parse', 'gate', 'detect', 'seal', 'store', 'commit'] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE: { readonly [K in Stage]: number } = { parse: 0, gate: 1, detect: 2, seal: 3, store: 4, commit: 5 };
/**
 * A seventh slot per row: the thread's busy time. Workers count the time in their message
 * handler; the main thread's is set by whoever reads the clock (its event-loop utilisation).
 * With it the bench apportions the process's CPU time over the stages, which stays right on a
 * loaded machine where wall times stretch (Node 20 has no per-thread CPU clock).
 */
export const BUSY = STAGES.length;
const SLOTS = STAGES.length + 1;

/** Rows: the main thread and up to this many workers. */
const MAX_ROWS = 64;

let shared: SharedArrayBuffer | undefined;
let row: Float64Array | undefined;

/**
 * Turns the clock on in the main thread (row 0) and zeroes it; returns the buffer, which the
 * sealer pool hands to its workers. Calling it again starts a fresh measurement.
 */
export function enableStageClock(): SharedArrayBuffer {
  shared ??= new SharedArrayBuffer(MAX_ROWS * SLOTS * 8);
  new Float64Array(shared).fill(0);
  row = new Float64Array(shared, 0, SLOTS);
  return shared;
}

/** Turns the clock off in this thread. */
export function disableStageClock(): void {
  row = undefined;
}

/** The clock's buffer if it is on in this thread (for a worker's `workerData`). */
export function stageClockBuffer(): SharedArrayBuffer | undefined {
  return row === undefined ? undefined : shared;
}

/** In a worker: adds into row `index` (1 + the worker's number) of the main thread's buffer. */
export function joinStageClock(buffer: SharedArrayBuffer, index: number): void {
  if (index < 1 || index >= MAX_ROWS) return;
  shared = buffer;
  row = new Float64Array(buffer, index * SLOTS * 8, SLOTS);
}

/** A start time, or -1 when the clock is off (then {@link stageEnd} does nothing). */
export function stageStart(): number {
  return row === undefined ? -1 : performance.now();
}

export function stageEnd(stage: number, started: number): void {
  if (started >= 0 && row !== undefined) row[stage]! += performance.now() - started;
}

/** Moves `ms` of time already counted in stage `from` to stage `to` (a nested stage). */
export function stageMove(from: number, to: number, ms: number): void {
  if (row === undefined) return;
  row[from]! -= ms;
  row[to]! += ms;
}

/** Milliseconds per stage and busy milliseconds, summed over every thread that joined, and per thread (stages then busy). */
export function stageTotals(): { total: Record<Stage, number>; busy: number; threads: number[][] } {
  const total = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const threads: number[][] = [];
  let busy = 0;
  if (shared === undefined) return { total, busy, threads };
  const all = new Float64Array(shared);
  for (let r = 0; r < MAX_ROWS; r++) {
    const times = Array.from(all.subarray(r * SLOTS, (r + 1) * SLOTS));
    if (times.every((t) => t === 0)) continue;
    threads.push(times);
    STAGES.forEach((s, i) => (total[s] += times[i]!));
    busy += times[BUSY]!;
  }
  return { total, busy, threads };
}
