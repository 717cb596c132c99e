/**
 * Reference for bench/detect/known.ts: the known-value matcher as it was before the start-table
 * matcher (fold the whole text into a view string, then one `indexOf` per compiled form). Kept
 * to race the engine's matcher and to check it finds exactly the same spans.
 *
 * Known values: the subject's and guardian's own identity values, compiled once per subject and
 * matched in every one of their records. The text is folded once into a view (full width to
 * half width, ASCII lower-cased, separators and spaces dropped) with a map back to original
 * offsets; every compiled form is then one native `indexOf` over that view. Measured against a
 * per-value regex with optional separators between characters, the view wins because its cost
 * is one pass however many values a subject has.
 */
import { fold, foldedForms, sameClass, type Form } from '../../src/detect/known.js';
import type { Candidate } from '../../src/detect/candidates.js';
import type { KnownValue } from '../../src/detect/types.js';

// Folding, forms and boundary classes are the engine's own (src/detect/known.ts): what this
// reference keeps is only the matching strategy being raced.

/** A compiled set of one subject's identity values. Reuse it for all of that subject's records. */
export interface KnownMatcher {
  /** Number of searchable forms compiled (0 when every value was empty). */
  readonly size: number;
  /** Appends a candidate (score 1) for every occurrence of a compiled value in `text`. */
  matchInto(text: string, out: Candidate[]): void;
}

let codes = new Uint16Array(4096);
let offs = new Int32Array(4096);


class Compiled implements KnownMatcher {
  readonly size: number;
  private readonly forms: Form[];

  constructor(values: readonly KnownValue[]) {
    const forms = foldedForms(values);
    // Longer forms first: an ID number wins over a phone that happens to sit inside it.
    forms.sort((a, b) => b.text.length - a.text.length);
    this.forms = forms;
    this.size = forms.length;
  }

  matchInto(text: string, out: Candidate[]): void {
    if (this.size === 0) return;
    const n = text.length;
    if (codes.length < n + 1) {
      codes = new Uint16Array(n * 2);
      offs = new Int32Array(n * 2);
    }
    let k = 0;
    for (let i = 0; i < n; i++) {
      const f = fold(text.charCodeAt(i));
      if (f < 0) continue;
      codes[k] = f;
      offs[k] = i;
      k++;
    }
    let view = '';
    for (let s = 0; s < k; s += 4096) view += String.fromCharCode.apply(null, codes.subarray(s, Math.min(k, s + 4096)) as unknown as number[]);
    for (const form of this.forms) {
      const len = form.text.length;
      let p = view.indexOf(form.text);
      while (p >= 0) {
        const s = offs[p]!;
        const e = offs[p + len - 1]! + 1;
        // Boundaries are checked in the original text, next to the match, not across skipped separators.
        const ok = (!form.edgeStart || !sameClass(text.charCodeAt(s - 1), text.charCodeAt(s))) && (!form.edgeEnd || !sameClass(text.charCodeAt(e), text.charCodeAt(e - 1)));
        if (ok) out.push({ kind: form.kind, start: s, end: e, score: 1 });
        p = view.indexOf(form.text, p + 1);
      }
    }
  }
}

export function compileKnownView(values: readonly KnownValue[]): KnownMatcher {
  return new Compiled(values);
}
