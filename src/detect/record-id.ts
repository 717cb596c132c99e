/**
 * Record ids come from the collector and are echoed in outcomes, run logs, the vault and exports.
 * One that looks personal (a phone number as the id, the subject's name in it) is replaced by a
 * keyed hash before anything stores or prints it: `rid-` and 22 base64url characters of
 * HMAC-SHA256 under a key derived from the ingest role's pseudonym key with its own label. The
 * same id gives the same hash in every run, so re-ingesting a file still finds its duplicates.
 */
import { createHmac } from 'node:crypto';
import { createScanner, type KnownMatcher, type Scanner } from './index.js';
import type { KnownValue } from './types.js';

/** The record-id key: held by the ingest role, never equal to the pseudonym key, used for nothing else. */
export function recordIdKey(pseudonymKey: Uint8Array): Buffer {
  return createHmac('sha256', pseudonymKey).update('sunder/v1 record id key').digest();
}

export class RecordIdGuard {
  /** Every built-in recognizer, whatever the policy turns off: a record id is never business content. */
  private readonly scanner: Scanner = createScanner();
  private readonly key: Buffer;
  /** A subject's records come together: the last values' matcher is kept. */
  private lastValues = '';
  private lastMatcher: KnownMatcher | undefined;

  constructor(pseudonymKey: Uint8Array) {
    this.key = recordIdKey(pseudonymKey);
  }

  /** Whether `id` holds any finding of the detection engine or any of `values` (the record's own subject's). */
  looksPersonal(id: string, values: readonly KnownValue[] = []): boolean {
    if (this.scanner.scan(id).length > 0) return true;
    if (values.length === 0) return false;
    const k = values.map((v) => `${v.kind}\0${v.value}`).join('\u0001');
    if (k !== this.lastValues || this.lastMatcher === undefined) {
      this.lastMatcher = this.scanner.compileKnown(values);
      this.lastValues = k;
    }
    return this.scanner.scan(id, { known: this.lastMatcher }).length > 0;
  }

  /** The id as Sunder stores and prints it: unchanged, or its keyed hash when it looks personal. */
  shown(id: string, values: readonly KnownValue[] = []): string {
    return this.looksPersonal(id, values) ? this.hashed(id) : id;
  }

  hashed(id: string): string {
    return 'rid-' + createHmac('sha256', this.key).update(`record-id\0${id}`).digest('base64url').slice(0, 22);
  }
}
