/**
 * Worker thread entry: seals tasks sent by the main thread's SealerPool. Everything a task needs
 * arrives in the message; the worker keeps only per-run caches (shared keys, matchers).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isSunderError } from '../errors.js';
import type { Policy } from '../record/policy.js';
import { RecordSealer, type SealTask } from './seal.js';

const data = workerData as { indexKey: Uint8Array; policy: Policy; tokenKey?: Uint8Array };
const sealer = new RecordSealer({ indexKey: data.indexKey, policy: data.policy, ...(data.tokenKey === undefined ? {} : { tokenKey: data.tokenKey }) });

parentPort!.on('message', (msg: { id: number; tasks: SealTask[] }) => {
  try {
    parentPort!.postMessage({ id: msg.id, results: msg.tasks.map((t) => sealer.seal(t)) });
  } catch (err) {
    parentPort!.postMessage({
      id: msg.id,
      error: { message: err instanceof Error ? err.message : String(err), code: isSunderError(err) ? err.code : undefined },
    });
  }
});
