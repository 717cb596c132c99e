/**
 * Sunder's detection engine: one pass over the text with every built-in recognizer, the
 * subject's known values, and the policy's own recognizers; overlaps resolved into
 * non-overlapping findings. Detection only: `src/mask` turns findings into output.
 */
import { BuiltinScanner } from './builtins.js';
import type { Candidate } from './candidates.js';
import { compileCustom as compileCustom_, type CompiledCustom } from './custom.js';
import { compileKnown as compileKnownValues, type KnownMatcher } from './known.js';
import type { ScanContext, ScannerOptions } from './options.js';
import { resolveOverlaps as resolveOverlaps_ } from './resolve.js';
import { createScanStream as createScanStream_, type ScanStream, type ScanStreamOptions } from './stream.js';
import type { Finding, KnownValue } from './types.js';
import { compactDate, todayUtc as todayUtc_ } from './today.js';
import { SunderError as SunderError_ } from '../errors.js';

// Module-local copies of imported bindings: under tsx an imported binding is a getter call on
// every access, which the hot loop cannot afford (measured: a sixth of scan time).
const compileCustom = compileCustom_;
const resolveOverlaps = resolveOverlaps_;
const createScanStream = createScanStream_;
const SunderError = SunderError_;
const todayUtc = todayUtc_;

export type { BuiltinKind, EntityKind, Finding, KnownValue } from './types.js';
export type { ScanContext, ScannerOptions } from './options.js';
export type { KnownMatcher } from './known.js';
export type { CustomRecognizer, FunctionRecognizer, PatternRecognizer } from './custom.js';
export type { ScanStream, ScanStreamOptions } from './stream.js';

export interface Scanner {
  /** Findings sorted by start, non-overlapping (overlaps resolved deterministically: validated, then longer, wins; the union is kept). */
  scan(text: string, ctx?: ScanContext): Finding[];
  /** Compiles one subject's identity values once; pass the result as `ctx.known` for each of their records. */
  compileKnown(values: readonly KnownValue[]): KnownMatcher;
  /**
   * A Transform: text (Buffer or string chunks) in, masked text out (or nothing, with
   * `output: 'none'`); findings with whole-stream offsets go to `onFinding`. Output and findings
   * equal those of scanning the whole text at once.
   */
  createStream(options?: ScanStreamOptions): ScanStream;
}

function docDateOf(ctx: ScanContext | undefined): string | undefined {
  const d = ctx?.documentDate;
  if (d === undefined) return undefined;
  if (typeof d === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new SunderError('CONFIG_INVALID', 'Expected `documentDate` as YYYY-MM-DD', { path: ['documentDate'] });
    return d.replace(/-/g, '');
  }
  return compactDate(d);
}

class SunderScanner implements Scanner {
  private readonly builtin: BuiltinScanner;
  private readonly custom: CompiledCustom[];
  private readonly minScore: number;
  constructor(options: ScannerOptions) {
    this.builtin = new BuiltinScanner({ off: new Set(options.disable ?? []), probableIdAsId: options.probableIdAsId ?? true });
    this.custom = (options.recognizers ?? []).map(compileCustom);
    this.minScore = options.minScore ?? 0;
  }

  /** Candidate scratch list, reused across calls (resolveOverlaps copies what it keeps into a new array). */
  private readonly cands: Candidate[] = [];

  scan(text: string, ctx?: ScanContext): Finding[] {
    // A custom recognizer may call scan() on this scanner again: the nested call gets its own list.
    const reuse = !this.scanning;
    const cands = reuse ? this.cands : [];
    cands.length = 0;
    this.scanning = true;
    try {
      return this.scanInto(text, ctx, cands);
    } finally {
      if (reuse) {
        this.scanning = false;
        cands.length = 0; // drop references to this text's candidates
      }
    }
  }

  private scanning = false;

  private scanInto(text: string, ctx: ScanContext | undefined, cands: Candidate[]): Finding[] {
    this.builtin.scan(text, cands, docDateOf(ctx) ?? todayUtc());
    if (ctx?.known !== undefined) ctx.known.matchInto(text, cands);
    for (const c of this.custom) c(text, cands);
    const found = resolveOverlaps(cands);
    return this.minScore > 0 ? found.filter((f) => f.score >= this.minScore) : found;
  }

  compileKnown(values: readonly KnownValue[]): KnownMatcher {
    return compileKnownValues(values);
  }

  createStream(options?: ScanStreamOptions): ScanStream {
    return createScanStream(this, options);
  }
}

export function createScanner(options: ScannerOptions = {}): Scanner {
  return new SunderScanner(options);
}

/** A finding with its offsets also in code points (characters outside the BMP count once). */
export interface CodePointFinding extends Finding {
  cpStart: number;
  cpEnd: number;
}

/** Adds code-point offsets to findings sorted by start (one pass over the text). */
export function withCodePoints(text: string, findings: readonly Finding[]): CodePointFinding[] {
  const out: CodePointFinding[] = [];
  let unit = 0;
  let cp = 0;
  const toCp = (target: number): number => {
    while (unit < target) {
      const c = text.charCodeAt(unit);
      unit += c >= 0xd800 && c <= 0xdbff && unit + 1 < text.length ? 2 : 1;
      cp++;
    }
    return cp;
  };
  for (const f of findings) {
    const cpStart = toCp(f.start);
    const cpEnd = toCp(f.end);
    out.push({ ...f, cpStart, cpEnd });
  }
  return out;
}

