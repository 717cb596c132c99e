/** Personal names after a cue: Chinese (2-4 Han characters) or Latin (1-3 capitalised words). */
import { isHan as isHan_ } from '../chars.js';
import { NAME_STOP as NAME_STOP_, NAME_TITLES as NAME_TITLES_ } from './cues.js';

// Module-local copies of imported bindings: under tsx an imported binding is a getter call on
// every access, which the hot loop cannot afford (measured: a sixth of scan time).
const isHan = isHan_;
const NAME_STOP = NAME_STOP_;
const NAME_TITLES = NAME_TITLES_;

const COMPOUND_SURNAMES = new Set(['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '慕容', '令狐', '夏侯', '尉迟', '长孙', '宇文', '公孙', '轩辕', '端木', '独孤']);
const SEP = /[\s:：是为]*/y;
const LATIN = /[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}/y;

function stopsAt(text: string, j: number): boolean {
  if (NAME_STOP.has(text[j]!)) return true;
  for (const t of NAME_TITLES) if (text.startsWith(t, j)) return true;
  return false;
}

/** Skips `：`, spaces and 是/为 after a cue. */
export function skipCueSeparators(text: string, i: number): number {
  SEP.lastIndex = i;
  SEP.test(text);
  return Math.min(SEP.lastIndex, i + 4);
}

/** Name span starting at `i` (after the cue and separators), or undefined. */
export function nameAt(text: string, i: number): [number, number] | undefined {
  const c = text.charCodeAt(i);
  if (isHan(c)) {
    const max = COMPOUND_SURNAMES.has(text.slice(i, i + 2)) ? 4 : 3;
    let j = i;
    while (j < text.length && j - i < max && isHan(text.charCodeAt(j)) && !(j > i && stopsAt(text, j))) j++;
    return j - i >= 2 ? [i, j] : undefined;
  }
  LATIN.lastIndex = i;
  if (LATIN.test(text)) return [i, LATIN.lastIndex];
  return undefined;
}
