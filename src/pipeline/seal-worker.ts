/**
 * Worker thread entry: seals the chunks of each batch that the main thread's SealerPool sent
 * and that the main thread has not claimed first. Everything a task needs arrives in the
 * message; the worker keeps only per-run caches (shared keys, matchers).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isSunderError } from '../errors.js';
import type { Policy } from '../record/policy.js';
import { RecordSealer } from './seal.js';
import type { SealerCacheBudget } from './cache-budget.js';
import { sealClaimed, type WorkerJob, type WorkerReply } from './seal-claims.js';
import { BUSY, joinStageClock, stageEnd, stageStart } from './stage-clock.js';

const data = workerData as { indexKey: Uint8Array; policy: Policy; tokenKey?: Uint8Array; cache?: SealerCacheBudget; stageClock?: { buffer: SharedArrayBuffer; row: number } };
if (data.stageClock !== undefined) joinStageClock(data.stageClock.buffer, data.stageClock.row);
const sealer = new RecordSealer({ indexKey: data.indexKey, policy: data.policy, ...(data.tokenKey === undefined ? {} : { tokenKey: data.tokenKey }), ...(data.cache === undefined ? {} : { cache: data.cache }) });

parentPort!.on('message', (job: WorkerJob) => {
  const clock = stageStart();
  let reply: WorkerReply;
  try {
    reply = { id: job.id, sealed: sealClaimed(sealer, job) };
  } catch (err) {
    reply = { id: job.id, error: { message: err instanceof Error ? err.message : String(err), code: isSunderError(err) ? err.code : undefined } };
  }
  parentPort!.postMessage(reply);
  stageEnd(BUSY, clock);
});
