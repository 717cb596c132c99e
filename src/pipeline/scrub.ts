/**
 * The business side's scrubber: the detection engine finds identifiers (generic recognizers plus
 * this subject's own known values), the mask operators replace them. Known-value matchers are
 * compiled once per identity snapshot and reused for all of that subject's records.
 */
import { createScanner, type KnownMatcher, type Scanner, type ScannerOptions } from '../detect/index.js';
import type { KnownValue } from '../detect/types.js';
import { applyOperators } from '../mask/index.js';

export interface Scrubbed {
  text: string;
  /** Findings by kind. */
  counts: Record<string, number>;
}

export class Scrubber {
  readonly scanner: Scanner;
  private readonly matchers = new Map<string, KnownMatcher>();

  constructor(options: ScannerOptions = {}, private readonly maxMatchers = 2048) {
    this.scanner = createScanner(options);
  }

  /** The compiled matcher for one identity snapshot, cached under `cacheKey` (a keyed digest). */
  known(cacheKey: string, values: KnownValue[]): KnownMatcher {
    const hit = this.matchers.get(cacheKey);
    if (hit !== undefined) return hit;
    const made = this.scanner.compileKnown(values);
    if (this.matchers.size >= this.maxMatchers) this.matchers.delete(this.matchers.keys().next().value!);
    this.matchers.set(cacheKey, made);
    return made;
  }

  scrub(text: string, known: KnownMatcher | undefined, counts: Record<string, number>): string {
    const findings = this.scanner.scan(text, known === undefined ? {} : { known });
    if (findings.length === 0) return text;
    for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
    return applyOperators(text, findings);
  }
}
