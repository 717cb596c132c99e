/**
 * Record ids come from the collector and are echoed in outcomes, run logs, the vault and exports.
 * One that looks personal (a phone number as the id, the subject's name in it) is replaced by a
 * keyed hash before anything stores or prints it: `rid-` and 22 base64url characters of
 * HMAC-SHA256 under a key derived from the ingest role's pseudonym key with its own label. The
 * same id gives the same hash in every run, so re-ingesting a file still finds its duplicates.
 */
import { createHmac } from 'node:crypto';
import { createScanner, type Scanner } from './index.js';
import { foldedFormsOf, foldString } from './known.js';
import type { KnownValue } from './types.js';

/** Forms shorter than this (a two-letter Latin name part) are not looked for in ids: "li" is in too many words. */
const MIN_FORM = 3;

/** The record-id key: held by the ingest role, never equal to the pseudonym key, used for nothing else. */
export function recordIdKey(pseudonymKey: Uint8Array): Buffer {
  return createHmac('sha256', pseudonymKey).update('sunder/v1 record id key').digest();
}

export class RecordIdGuard {
  /** Every built-in recognizer, whatever the policy turns off: a record id is never business content. */
  private readonly scanner: Scanner = createScanner();
  private readonly key: Buffer;

  constructor(pseudonymKey: Uint8Array) {
    this.key = recordIdKey(pseudonymKey);
  }

  /**
   * Whether `id` holds any finding of the detection engine or any form of `values` (the record's
   * own subject's). The forms are looked for as plain substrings of the folded id, without the
   * matcher's word boundaries and without compiling a matcher (this runs on the main thread for
   * every record): hashing an id that only looked personal costs nothing but readability.
   */
  looksPersonal(id: string, values: readonly KnownValue[] = []): boolean {
    if (this.scanner.scan(id).length > 0) return true;
    if (values.length === 0) return false;
    const folded = foldString(id);
    // A name can only be in an id with a run of letters (and its pinyin forms cost a lookup).
    const letters = /[a-z]{3}/i.test(id);
    for (const v of values) {
      if (v.kind === 'NAME' && !letters) continue;
      for (const f of foldedFormsOf(v)) {
        if (f.length >= MIN_FORM && folded.includes(f)) return true;
      }
    }
    return false;
  }

  /** The id as Sunder stores and prints it: unchanged, or its keyed hash when it looks personal. */
  shown(id: string, values: readonly KnownValue[] = []): string {
    return this.looksPersonal(id, values) ? this.hashed(id) : id;
  }

  hashed(id: string): string {
    return 'rid-' + createHmac('sha256', this.key).update(`record-id\0${id}`).digest('base64url').slice(0, 22);
  }
}
