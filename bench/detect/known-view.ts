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
import { pinyin } from 'pinyin-pro';
import { foldWidth as foldWidth_, isAsciiAlnum as isAsciiAlnum_, isHan as isHan_ } from '../../src/detect/chars.js';
import type { Candidate } from '../../src/detect/candidates.js';
import type { EntityKind, KnownValue } from '../../src/detect/types.js';
import { normalizeCnId as normalizeCnId_, normalizeEmail as normalizeEmail_, normalizePhone as normalizePhone_ } from '../../src/id/normalize.js';

// Module-local copies of imported bindings: under tsx an imported binding is a getter call on
// every access, which the hot loop cannot afford (measured: a sixth of scan time).
const foldWidth = foldWidth_;
const isAsciiAlnum = isAsciiAlnum_;
const isHan = isHan_;
const normalizeCnId = normalizeCnId_;
const normalizeEmail = normalizeEmail_;
const normalizePhone = normalizePhone_;

/** A compiled set of one subject's identity values. Reuse it for all of that subject's records. */
export interface KnownMatcher {
  /** Number of searchable forms compiled (0 when every value was empty). */
  readonly size: number;
  /** Appends a candidate (score 1) for every occurrence of a compiled value in `text`. */
  matchInto(text: string, out: Candidate[]): void;
}

const SKIP = new Uint8Array(65536);
for (const ch of ' \t\r\n\f\v-.·()（）\u00a0\u3000‐‑–—_') SKIP[ch.charCodeAt(0)] = 1;
SKIP[0xff0d] = 1; // full-width hyphen
SKIP[0xff0e] = 1; // full-width full stop

/** Folds one character into the view alphabet, or returns -1 when it is a separator. */
function fold(c: number): number {
  if (SKIP[c] === 1) return -1;
  const f = foldWidth(c);
  if (f !== c && SKIP[f] === 1) return -1;
  return f >= 65 && f <= 90 ? f + 32 : f;
}

function foldString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const f = fold(s.charCodeAt(i));
    if (f >= 0) out += String.fromCharCode(f);
  }
  return out;
}

interface Form {
  kind: EntityKind;
  text: string;
  /** First/last character is ASCII alphanumeric: the match must not continue a longer word or number. */
  edgeStart: boolean;
  edgeEnd: boolean;
}

let codes = new Uint16Array(4096);
let offs = new Int32Array(4096);

function hanName(v: string): boolean {
  if (v.length < 2 || v.length > 6) return false;
  for (let i = 0; i < v.length; i++) if (!isHan(v.charCodeAt(i))) return false;
  return true;
}

function formsOf(kv: KnownValue): string[] {
  const raw = kv.value;
  switch (kv.kind) {
    case 'CN_ID':
    case 'CN_ID_PROBABLE': {
      const id = normalizeCnId(raw);
      if (id === undefined) return [raw];
      const forms = [id];
      // The same person's legacy 15-digit number (issued before 2000 to people born in the 1900s).
      if (id.slice(6, 8) === '19') forms.push(id.slice(0, 6) + id.slice(8, 17));
      return forms;
    }
    case 'PHONE': {
      const p = normalizePhone(raw);
      return [p === undefined ? raw : p.replace(/^\+/, '')];
    }
    case 'EMAIL':
      return [normalizeEmail(raw) ?? raw];
    case 'NAME': {
      const v = raw.normalize('NFKC').replace(/\s+/g, '');
      const forms = [v];
      if (hanName(v)) {
        // Pinyin forms: "Wang Xiaoming", "wangxiaoming", "Xiaoming Wang" (spaces are folded away).
        const py = pinyin(v, { toneType: 'none', type: 'array', surname: 'head' }) as string[];
        const surnameLen = py.length === 4 ? 2 : 1;
        const sur = py.slice(0, surnameLen).join('');
        const given = py.slice(surnameLen).join('');
        forms.push(sur + given, given + sur);
      } else {
        const parts = raw.normalize('NFKC').trim().split(/\s+/);
        if (parts.length > 1) forms.push([...parts.slice(1), parts[0]!].join(''));
      }
      return forms;
    }
    default:
      return [raw];
  }
}

class Compiled implements KnownMatcher {
  readonly size: number;
  private readonly forms: Form[];

  constructor(values: readonly KnownValue[]) {
    const seen = new Set<string>();
    const forms: Form[] = [];
    for (const kv of values) {
      if (typeof kv.value !== 'string' || kv.value.length === 0) continue;
      for (const f of formsOf(kv)) {
        const t = foldString(f);
        if (t.length < 2 || seen.has(t)) continue;
        seen.add(t);
        forms.push({ kind: kv.kind, text: t, edgeStart: isAsciiAlnum(t.charCodeAt(0)), edgeEnd: isAsciiAlnum(t.charCodeAt(t.length - 1)) });
      }
    }
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

/** Both ASCII letters, or both digits (full width counts). */
function sameClass(a: number, b: number): boolean {
  const fa = foldWidth(a);
  const fb = foldWidth(b);
  const da = fa >= 48 && fa <= 57;
  const db = fb >= 48 && fb <= 57;
  if (da || db) return da && db;
  const la = (fa | 32) >= 97 && (fa | 32) <= 122;
  const lb = (fb | 32) >= 97 && (fb | 32) <= 122;
  return la && lb;
}

export function compileKnownView(values: readonly KnownValue[]): KnownMatcher {
  return new Compiled(values);
}
