/**
 * The business side's scrubber: the detection engine finds identifiers (generic recognizers plus
 * this subject's own known values), the mask operators replace them.
 */
import { createScanner, type KnownMatcher, type Scanner, type ScannerOptions } from '../detect/index.js';
import { applyOperators, usesToken, type OperatorConfig } from '../mask/index.js';
import type { Policy } from '../record/policy.js';

/** The scanner a policy asks for: built-ins it turns off, and its own pattern recognizers. */
export function scannerOptionsOf(policy: Pick<Policy, 'detect'>): ScannerOptions {
  return {
    disable: policy.detect.disable,
    recognizers: policy.detect.recognizers.map((r) => ({ kind: r.kind, pattern: new RegExp(r.pattern, r.flags), score: r.score })),
  };
}

/** The operators a policy asks for; `tokenKey` is needed only when some kind uses `token`. */
export function operatorsOf(policy: Pick<Policy, 'mask'>, tokenKey?: Uint8Array): OperatorConfig {
  return { default: policy.mask.default, byKind: policy.mask.byKind, ...(tokenKey === undefined ? {} : { tokenKey }) };
}

export class Scrubber {
  readonly scanner: Scanner;
  private readonly operators: OperatorConfig;
  private readonly tokens: boolean;

  constructor(options: ScannerOptions = {}, operators: OperatorConfig = {}) {
    this.scanner = createScanner(options);
    this.operators = operators;
    this.tokens = usesToken(operators);
  }

  /**
   * The text with every finding rewritten by its operator; adds the findings to `counts` by
   * kind. `tokenScope` makes tokens agree within that scope only (a subject, a project).
   */
  scrub(text: string, known: KnownMatcher | undefined, counts: Record<string, number>, tokenScope = ''): string {
    const findings = this.scanner.scan(text, known === undefined ? {} : { known });
    if (findings.length === 0) return text;
    for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
    return applyOperators(text, findings, this.tokens ? { ...this.operators, tokenScope } : this.operators);
  }
}
