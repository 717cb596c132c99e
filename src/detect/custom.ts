/**
 * User recognizers, added through the policy. They run after the built-in pass (each pattern
 * is its own sweep, so add few), and their candidates take part in overlap resolution like
 * any other.
 */
import type { Candidate } from './candidates.js';
import type { EntityKind } from './types.js';

/** A regex recognizer, Presidio style: pattern, base score, optional validator. */
export interface PatternRecognizer {
  kind: EntityKind;
  /** Matched over the whole text; the `g` flag is added when missing. */
  pattern: RegExp;
  /** @default 0.5 */
  score?: number;
  /** Return false to discard a match, true to keep it at `score`, or a number as the new score. */
  validate?: (value: string) => boolean | number;
}

/** A recognizer written as a function over the whole text. Offsets are UTF-16 code units. */
export interface FunctionRecognizer {
  kind: EntityKind;
  find: (text: string) => Iterable<{ start: number; end: number; score?: number }>;
}

export type CustomRecognizer = PatternRecognizer | FunctionRecognizer;

export type CompiledCustom = (text: string, out: Candidate[]) => void;

export function compileCustom(r: CustomRecognizer): CompiledCustom {
  if ('find' in r) {
    return (text, out) => {
      for (const m of r.find(text)) {
        if (m.end > m.start) out.push({ kind: r.kind, start: m.start, end: m.end, score: m.score ?? 0.5 });
      }
    };
  }
  const re = new RegExp(r.pattern.source, r.pattern.flags.includes('g') ? r.pattern.flags : r.pattern.flags + 'g');
  const base = r.score ?? 0.5;
  return (text, out) => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      let score = base;
      if (r.validate !== undefined) {
        const v = r.validate(m[0]);
        if (v === false) continue;
        if (typeof v === 'number') score = v;
      }
      out.push({ kind: r.kind, start: m.index, end: m.index + m[0].length, score });
    }
  };
}
