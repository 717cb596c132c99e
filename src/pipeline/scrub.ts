/**
 * The business side's scrubber: the detection engine finds identifiers (generic recognizers plus
 * this subject's own known values), the mask operators replace them.
 */
import { createScanner, type KnownMatcher, type Scanner, type ScannerOptions } from '../detect/index.js';
import { applyOperators, usesToken, type OperatorConfig } from '../mask/index.js';
import type { Policy } from '../record/policy.js';
import type { RejectCode } from '../record/outcome.js';

/** Why a record's business side cannot go out: a name (key, project) holds an identifier. */
export interface NameRejection {
  code: Extract<RejectCode, 'IDENTIFIER_IN_NAME'>;
  path: string;
  reason: string;
}

/** The scrubbed business side of one record, or why it is refused. */
export type ScrubbedBusiness = { text: Record<string, string>; attributes: Record<string, unknown> } | { rejection: NameRejection };

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

  /** The kinds found in `name` (an attribute or text key, a project name), or undefined when it is clean. */
  findIn(name: string, known: KnownMatcher | undefined): string | undefined {
    const f = this.scanner.scan(name, known === undefined ? {} : { known });
    return f.length === 0 ? undefined : [...new Set(f.map((x) => x.kind))].join(', ');
  }

  /**
   * Any value of the business side, scrubbed at every depth: strings are scanned; a number is
   * scanned as its digits (a phone stored as a number) and becomes the masked string when
   * something is found; booleans and null pass. Object keys are checked by `checkKeys`.
   */
  scrubValue(value: unknown, known: KnownMatcher | undefined, counts: Record<string, number>, tokenScope: string): unknown {
    if (typeof value === 'string') return this.scrub(value, known, counts, tokenScope);
    if (typeof value === 'number') {
      const digits = String(value);
      const out = this.scrub(digits, known, counts, tokenScope);
      return out === digits ? value : out;
    }
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v, known, counts, tokenScope));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.scrubValue(v, known, counts, tokenScope);
      return out;
    }
    return value;
  }

  /**
   * Keys that hold an identifier are refused, not masked: two keys masked to one tag would
   * collide, and a key is a schema name that should never carry personal data. The path names
   * the parent (whose own name is clean) and the reason the key's position, never the key.
   */
  checkKeys(value: unknown, path: string, known: KnownMatcher | undefined): NameRejection | undefined {
    if (value === null || typeof value !== 'object') return undefined;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    let i = 0;
    for (const [k, v] of entries) {
      i++;
      const kinds = Array.isArray(value) ? undefined : this.findIn(k, known);
      if (kinds !== undefined) {
        return { code: 'IDENTIFIER_IN_NAME', path, reason: `the name of field ${i} of ${entries.length} holds an identifier (${kinds}); field names must not carry personal data` };
      }
      const nested = this.checkKeys(v, `${path}.${k}`, known);
      if (nested !== undefined) return nested;
    }
    return undefined;
  }
}

/**
 * The business side of a gated record as it leaves: text and the attributes the policy keeps,
 * scrubbed; refused when the project name, the consent's policy version or any key holds an
 * identifier.
 */
export function scrubBusiness(
  scrubber: Scrubber,
  record: { project: string; consent?: { policyVersion: string } | undefined; business: { text: Record<string, string>; attributes: Record<string, unknown> } },
  policy: Pick<Policy, 'attributes'>,
  known: KnownMatcher | undefined,
  counts: Record<string, number>,
  tokenScope: string,
): ScrubbedBusiness {
  const kinds = scrubber.findIn(record.project, known);
  if (kinds !== undefined) return { rejection: { code: 'IDENTIFIER_IN_NAME', path: 'project', reason: `the project name holds an identifier (${kinds}); project names must not carry personal data` } };
  // The consent's policy version goes out with the object (and into the vault) as given.
  const version = record.consent?.policyVersion;
  const inVersion = version === undefined ? undefined : scrubber.findIn(version, known);
  if (inVersion !== undefined) return { rejection: { code: 'IDENTIFIER_IN_NAME', path: 'consent.policyVersion', reason: `the policy version holds an identifier (${inVersion}); it must name a policy, not a person` } };
  const inText = record.business.text;
  const kept: Record<string, unknown> = {};
  for (const name of Object.keys(record.business.attributes)) {
    // Own keys only: an attribute named `toString` must not find Object.prototype's and vanish.
    if ((Object.hasOwn(policy.attributes, name) ? policy.attributes[name] : 'business') === 'business') kept[name] = record.business.attributes[name];
  }
  const rejection = scrubber.checkKeys(inText, 'business.text', known) ?? scrubber.checkKeys(kept, 'business.attributes', known);
  if (rejection !== undefined) return { rejection };
  const text: Record<string, string> = {};
  for (const field of Object.keys(inText)) text[field] = scrubber.scrub(inText[field]!, known, counts, tokenScope);
  const attributes: Record<string, unknown> = {};
  for (const name of Object.keys(kept)) attributes[name] = scrubber.scrubValue(kept[name], known, counts, tokenScope);
  return { text, attributes };
}
