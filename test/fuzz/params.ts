/**
 * Shared fast-check settings. CI runs a bounded number of runs per property (each file well
 * under 15 s); `npm run fuzz` runs many more. On failure fast-check prints the seed and path;
 * replay with `SUNDER_FUZZ_SEED=<seed> SUNDER_FUZZ_PATH=<path> npm run fuzz`.
 *
 *   SUNDER_FUZZ_RUNS   runs per property (default: each property's CI count)
 *   SUNDER_FUZZ_SEED   seed to start from (default: random, printed on failure)
 *   SUNDER_FUZZ_PATH   replay path printed with a failure
 */
import type { Parameters } from 'fast-check';
import { isSunderError, type ErrorCode } from '../../src/errors.js';

const env = process.env;
const runs = env['SUNDER_FUZZ_RUNS'] === undefined ? undefined : Number(env['SUNDER_FUZZ_RUNS']);
const seed = env['SUNDER_FUZZ_SEED'] === undefined ? undefined : Number(env['SUNDER_FUZZ_SEED']);

/** Parameters for one property: `ciRuns` unless the environment asks for more. */
export function fuzzParams<T>(ciRuns: number): Parameters<T> {
  return {
    numRuns: runs ?? ciRuns,
    ...(seed === undefined ? {} : { seed }),
    ...(env['SUNDER_FUZZ_PATH'] === undefined ? {} : { path: env['SUNDER_FUZZ_PATH'] }),
    // In CI, stop a property early rather than let a slow machine push a file past its budget.
    ...(runs === undefined ? { interruptAfterTimeLimit: 8_000 } : {}),
  };
}

/** Test timeout for a fuzz file's `it`: generous when run long. */
export const FUZZ_TIMEOUT = runs === undefined ? 30_000 : 24 * 3600_000;

/** Whether `err` is a SunderError with one of `codes`; anything else is a bug the fuzzer found. */
export function isExpected(err: unknown, codes: readonly ErrorCode[]): boolean {
  return isSunderError(err) && codes.includes(err.code);
}
