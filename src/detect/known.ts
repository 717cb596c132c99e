/**
 * Known values: the subject's and guardian's own identity values, compiled once per subject and
 * matched in every one of their records. The text is folded once into a view (full width to
 * half width, ASCII lower-cased, separators and spaces skipped) through one table; a form is
 * tried only where a character folds to some form's first code, found by a 256-entry filter on
 * the raw character. Measured (bench/detect/known.ts) against folding the whole text into a view
 * string with one `indexOf` per form: no copy of the text, one load per character.
 */
import { foldWidth as foldWidth_, isAsciiAlnum as isAsciiAlnum_ } from './chars.js';
import { formsOf as formsOf_ } from './known-forms.js';
import type { Candidate } from './candidates.js';
import type { EntityKind, KnownValue } from './types.js';

// Module-local copies of imported bindings: under tsx an imported binding is a getter call on
// every access, which the hot loop cannot afford (measured: a sixth of scan time).
const foldWidth = foldWidth_;
const isAsciiAlnum = isAsciiAlnum_;
const formsOf = formsOf_;

export { formsOf } from './known-forms.js';

/** A compiled set of one subject's identity values. Reuse it for all of that subject's records. */
export interface KnownMatcher {
  /** Number of searchable forms compiled (0 when every value was empty). */
  readonly size: number;
  /** Appends a candidate (score 1) for every occurrence of a compiled value in `text`. */
  matchInto(text: string, out: Candidate[]): void;
  /**
   * A matcher for these values plus `more`. Only the new values are normalised and folded (a
   * name's pinyin forms cost ~10 µs), so growing a subject's matcher record by record costs
   * little more than compiling it once.
   */
  extend(more: readonly KnownValue[]): KnownMatcher;
}

const SKIP = new Uint8Array(65536);
for (const ch of ' \t\r\n\f\v-.·()（）\u00a0\u3000‐‑–—_') SKIP[ch.charCodeAt(0)] = 1;
SKIP[0xff0d] = 1; // full-width hyphen
SKIP[0xff0e] = 1; // full-width full stop
// Brackets around a spelled-out "[at]" / "[dot]" or a name: folded away like parentheses.
for (const ch of '[]【】〔〕') SKIP[ch.charCodeAt(0)] = 1;

/** Folds one character into the view alphabet, or returns -1 when it is a separator. */
export function fold(c: number): number {
  if (SKIP[c] === 1) return -1;
  const f = foldWidth(c);
  if (f !== c && SKIP[f] === 1) return -1;
  return f >= 65 && f <= 90 ? f + 32 : f;
}

export function foldString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const f = fold(s.charCodeAt(i));
    if (f >= 0) out += String.fromCharCode(f);
  }
  return out;
}

export interface Form {
  kind: EntityKind;
  text: string;
  /** First/last character is ASCII alphanumeric: the match must not continue a longer word or number. */
  edgeStart: boolean;
  edgeEnd: boolean;
}

/** Separator marker in FOLD. */
const SEP = 0xffff;
/** Every UTF-16 unit folded into the view alphabet once, at load: one load per character after. */
const FOLD = new Uint16Array(65536);
for (let c = 0; c < 65536; c++) {
  const f = fold(c);
  FOLD[c] = f < 0 ? SEP : f;
}
// The matcher's pre-filter assumes folding only lower-cases A-Z and narrows full-width ASCII
// (see the constructor): asserted once at load, so a change to fold() cannot silently drop matches.
for (let c = 0; c < 65536; c++) {
  const f = FOLD[c]!;
  const w = c >= 0xff01 && c <= 0xff5e ? c - 0xfee0 : c;
  if (f !== SEP && f !== w && !(w >= 65 && w <= 90 && f === w + 32)) throw new Error('known.ts: fold() changed; update the pre-filter rules');
}

class Compiled implements KnownMatcher {
  readonly size: number;
  /** Folded forms, grouped by first code (longest first within a group). */
  private readonly forms: Form[];
  /** Each form's second code (checked before a form is tried). */
  private readonly seconds: Uint16Array;
  /** Distinct first codes, and each one's [from, to) range in `forms`. */
  private readonly firsts: Uint16Array;
  private readonly groupFrom: Int32Array;
  private readonly groupTo: Int32Array;
  /**
   * Pre-filter on the low byte of the RAW character: set for every character that folds to a
   * form's first code (either case, either width). Most characters fail it with one load, so the
   * text is never folded or copied as a whole.
   */
  private readonly filter = new Uint8Array(256);
  /**
   * A first code's group by its low byte: -1 none, -2 several (then `firsts` is searched). A
   * subject's forms start with ~20 distinct codes (name contexts, phone suffixes), too many to
   * search on every pre-filter hit.
   */
  private readonly groupLow = new Int16Array(256).fill(-1);

  /** `forms`: folded, distinct, at least two codes each (see `foldedForms`); this matcher keeps the array. */
  constructor(forms: Form[]) {
    forms.sort((a, b) => a.text.charCodeAt(0) - b.text.charCodeAt(0) || b.text.length - a.text.length);
    this.forms = forms;
    this.size = forms.length;
    // Plain loops and `new TypedArray(array)`: `TypedArray.from` with a map function goes through
    // the iterator protocol per element, and a new subject's matcher is built on the ingest path.
    this.seconds = new Uint16Array(forms.length);
    for (let i = 0; i < forms.length; i++) this.seconds[i] = forms[i]!.text.charCodeAt(1); // every form has >= 2 codes
    const firsts: number[] = [];
    const from: number[] = [];
    const to: number[] = [];
    for (let i = 0; i < forms.length; i++) {
      const c = forms[i]!.text.charCodeAt(0);
      if (firsts.length === 0 || firsts[firsts.length - 1] !== c) {
        firsts.push(c);
        from.push(i);
        to.push(i);
      }
      to[to.length - 1] = i + 1;
    }
    this.firsts = new Uint16Array(firsts);
    this.groupFrom = new Int32Array(from);
    this.groupTo = new Int32Array(to);
    for (let g = 0; g < firsts.length; g++) {
      const b = firsts[g]! & 255;
      this.groupLow[b] = this.groupLow[b] === -1 ? g : -2;
    }
    // Every raw character folding to a first code: folding only lower-cases A-Z and narrows
    // full-width ASCII (asserted at load), so those are f, its upper case and their full widths.
    for (const f of firsts) {
      const raws = [f];
      if (f >= 97 && f <= 122) raws.push(f - 32);
      for (const c of raws.slice()) if (c >= 0x21 && c <= 0x7e) raws.push(c + 0xfee0);
      for (const c of raws) if (FOLD[c] === f) this.filter[c & 255] = 1;
    }
  }

  extend(more: readonly KnownValue[]): KnownMatcher {
    // A copy: the sort in the constructor reorders, and this matcher's arrays index its own.
    return new Compiled(foldedForms(more, this.forms.slice()));
  }

  matchInto(text: string, out: Candidate[]): void {
    if (this.size === 0) return;
    const n = text.length;
    const filter = this.filter;
    const firsts = this.firsts;
    const nFirst = firsts.length;
    const seconds = this.seconds;
    const groupLow = this.groupLow;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (filter[c & 255] === 0) continue;
      const f = FOLD[c]!;
      let g = groupLow[f & 255]!;
      if (g === -1) continue;
      if (g === -2) {
        g = -1;
        for (let q = 0; q < nFirst; q++) {
          if (firsts[q] === f) {
            g = q;
            break;
          }
        }
        if (g === -1) continue;
      } else if (firsts[g] !== f) continue;
      // A form starting with an ASCII letter or digit needs a boundary before it (`edgeStart`):
      // inside a word or a number (a phone suffix form at every digit) no try can match.
      if (f < 128 && i > 0 && sameClass(text.charCodeAt(i - 1), c)) continue;
      // The next folded character, shared by the group's forms: most tries end here.
      let j = i + 1;
      let f2 = SEP;
      while (j < n && (f2 = FOLD[text.charCodeAt(j)]!) === SEP) j++;
      if (j >= n) continue;
      const to = this.groupTo[g]!;
      for (let k = this.groupFrom[g]!; k < to; k++) if (seconds[k] === f2) this.tryAt(text, i, j + 1, k, out);
    }
  }

  /** Matches form `k` at `i`, whose first two codes matched (the second ending before `j`), skipping separators. */
  private tryAt(text: string, i: number, j: number, k: number, out: Candidate[]): void {
    const form = this.forms[k]!;
    const folded = form.text;
    const n = text.length;
    for (let q = 2; q < folded.length; q++) {
      let f = SEP;
      while (j < n && (f = FOLD[text.charCodeAt(j)]!) === SEP) j++;
      if (j >= n || f !== folded.charCodeAt(q)) return;
      j++;
    }
    const s = i;
    const e = j;
    // Boundaries are checked in the original text, next to the match, not across skipped separators.
    const ok = (!form.edgeStart || !sameClass(text.charCodeAt(s - 1), text.charCodeAt(s))) && (!form.edgeEnd || !sameClass(text.charCodeAt(e), text.charCodeAt(e - 1)));
    if (ok) out.push({ kind: form.kind, start: s, end: e, score: 1 });
  }
}

/** Both ASCII letters, or both digits (full width counts). */
export function sameClass(a: number, b: number): boolean {
  const fa = foldWidth(a);
  const fb = foldWidth(b);
  const da = fa >= 48 && fa <= 57;
  const db = fb >= 48 && fb <= 57;
  if (da || db) return da && db;
  const la = (fa | 32) >= 97 && (fa | 32) <= 122;
  const lb = (fb | 32) >= 97 && (fb | 32) <= 122;
  return la && lb;
}

/**
 * The folded forms of one value, a name's remembered (bounded): a name's forms cost a pinyin lookup
 * (~10 µs) and some fifty foldings, and the same subject's values come back record after record,
 * to the main thread's record-id check and to each sealing thread's matcher.
 */
const foldedCache = new Map<string, readonly string[]>();
const FOLDED_CACHE_MAX = 16_384;

export function foldedFormsOf(kv: KnownValue): readonly string[] {
  // Only names are worth remembering: the other kinds' forms cost a regex or two.
  if (kv.kind !== 'NAME') return formsOf(kv).map(foldString);
  const key = kv.value;
  let out = foldedCache.get(key);
  if (out === undefined) {
    out = formsOf(kv).map(foldString);
    if (foldedCache.size >= FOLDED_CACHE_MAX) foldedCache.clear();
    foldedCache.set(key, out);
  }
  return out;
}

/** Appends the folded forms of `values` to `forms` (default: a new list), skipping empty values and forms already present. */
export function foldedForms(values: readonly KnownValue[], forms: Form[] = []): Form[] {
  const seen = new Set<string>();
  for (const f of forms) seen.add(f.text);
  for (const kv of values) {
    if (typeof kv.value !== 'string' || kv.value.length === 0) continue;
    for (const t of foldedFormsOf(kv)) {
      if (t.length < 2 || seen.has(t)) continue;
      seen.add(t);
      forms.push({ kind: kv.kind, text: t, edgeStart: isAsciiAlnum(t.charCodeAt(0)), edgeEnd: isAsciiAlnum(t.charCodeAt(t.length - 1)) });
    }
  }
  return forms;
}

export function compileKnown(values: readonly KnownValue[]): KnownMatcher {
  return new Compiled(foldedForms(values));
}
