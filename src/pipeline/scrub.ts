/**
 * The business side's scrubber: the detection engine finds identifiers (generic recognizers plus
 * this subject's own known values), the mask operators replace them.
 */
import { createScanner, type KnownMatcher, type Scanner, type ScannerOptions } from '../detect/index.js';
import { applyOperators } from '../mask/index.js';
import type { Policy } from '../record/policy.js';

/** The scanner a policy asks for: built-ins it turns off, and its own pattern recognizers. */
export function scannerOptionsOf(policy: Pick<Policy, 'detect'>): ScannerOptions {
  return {
    disable: policy.detect.disable,
    recognizers: policy.detect.recognizers.map((r) => ({ kind: r.kind, pattern: new RegExp(r.pattern, r.flags), score: r.score })),
  };
}

export class Scrubber {
  readonly scanner: Scanner;

  constructor(options: ScannerOptions = {}) {
    this.scanner = createScanner(options);
  }

  /** The text with every finding masked; adds the findings to `counts` by kind. */
  scrub(text: string, known: KnownMatcher | undefined, counts: Record<string, number>): string {
    const findings = this.scanner.scan(text, known === undefined ? {} : { known });
    if (findings.length === 0) return text;
    for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
    return applyOperators(text, findings);
  }
}
