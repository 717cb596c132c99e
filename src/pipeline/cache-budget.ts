/**
 * How ingest's per-run caches share one memory budget. Every cache that grows with the number
 * of people is bounded in (estimated) bytes from this budget, so peak RSS stays bounded whatever
 * the size of the input: the default keeps a 2-core ingest under 512 MB (bench/ingest.ts checks).
 *
 * A quarter goes to the main thread's lookups (subject public keys, blind-index digests), the
 * rest is split evenly over the threads that seal (each holds its own matchers, facts and
 * recipients). A miss costs recomputation only (a key store read, an HMAC, a matcher compile),
 * never a wrong result.
 */
import { SunderError } from '../errors.js';

/** @default 160 MiB */
export const DEFAULT_CACHE_BYTES = 160 * 2 ** 20;

/** One sealing thread's share (RecordSealer). */
export interface SealerCacheBudget {
  /** Compiled known-value matchers and the values behind them. */
  known: number;
  /** Identity facts already sealed per subject. */
  facts: number;
  /** Subject recipients (public keys, stanza keys). */
  recipients: number;
  /** Shared keys of the thread's X25519 sender, as a count (~300 bytes each). */
  sharedKeys: number;
}

export interface CacheBudget {
  publicKeys: number;
  blindDigests: number;
  sealer: SealerCacheBudget;
}

export function sealerCacheBudget(bytes: number): SealerCacheBudget {
  return { known: Math.floor(bytes * 0.6), facts: Math.floor(bytes * 0.15), recipients: Math.floor(bytes * 0.1), sharedKeys: Math.max(64, Math.floor((bytes * 0.15) / 300)) };
}

/** The split of `totalBytes` for ingest with `sealingThreads` threads sealing (workers + the main thread). */
export function cacheBudget(totalBytes: number = DEFAULT_CACHE_BYTES, sealingThreads = 2): CacheBudget {
  if (!Number.isFinite(totalBytes) || totalBytes < 2 ** 20) {
    throw new SunderError('CONFIG_INVALID', `expected \`cacheBytes\` to be at least 1 MiB (1048576), got ${String(totalBytes)}`, { path: ['cacheBytes'] });
  }
  const main = totalBytes / 4;
  return {
    publicKeys: Math.floor(main * 0.6),
    blindDigests: Math.floor(main * 0.4),
    sealer: sealerCacheBudget((totalBytes - main) / Math.max(1, sealingThreads)),
  };
}
