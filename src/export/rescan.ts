/**
 * Strip again on the way out: every text field and every attribute of an exported object is
 * scanned once more with the detection engine (the subject-independent recognizers and the
 * policy's own; the export host holds no known values) and what it finds is rewritten by the
 * policy's mask operators. Ingest scrubbed the same text already, so findings here mean a
 * recognizer improved since, or the stored text was changed behind the scanner's back: they
 * are counted by kind in the summary.
 */
import type { Policy } from '../record/policy.js';
import { operatorsOf, Scrubber, scannerOptionsOf } from '../pipeline/scrub.js';

export class Rescanner {
  private readonly scrubber: Scrubber;
  /** Findings rewritten on the way out, by kind. */
  readonly counts: Record<string, number> = {};

  /** `tokenKey`: the recipient's, so `token`-masked values join within one recipient only. */
  constructor(policy: Pick<Policy, 'detect' | 'mask'>, tokenKey: Uint8Array) {
    this.scrubber = new Scrubber(scannerOptionsOf(policy), operatorsOf(policy, tokenKey));
  }

  text(text: Record<string, string>, tokenScope: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [field, value] of Object.entries(text)) out[field] = this.scrubber.scrub(value, undefined, this.counts, tokenScope);
    return out;
  }

  attributes(attributes: Record<string, unknown>, tokenScope: string): Record<string, unknown> {
    return this.scrubber.scrubValue(attributes, undefined, this.counts, tokenScope) as Record<string, unknown>;
  }

  /** Total findings rewritten. */
  total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
