/**
 * Personal names after a cue: Chinese (2-4 Han characters) or Latin (1-3 capitalised words); and
 * Chinese names before an honorific (王芳女士), read backwards from it.
 */
import { isHan as isHan_ } from '../chars.js';
import { COMMON_SURNAMES as COMMON_SURNAMES_, NAME_STOP as NAME_STOP_, NAME_TITLES as NAME_TITLES_ } from './cues.js';

// Module-local copies of imported bindings: under tsx an imported binding is a getter call on
// every access, which the hot loop cannot afford (measured: a sixth of scan time).
const isHan = isHan_;
const NAME_STOP = NAME_STOP_;
const NAME_TITLES = NAME_TITLES_;
const SURNAME = new Set(COMMON_SURNAMES_);

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

/** A Han character that can be part of a name (not a particle or verb that ends one). */
function nameChar(text: string, j: number): boolean {
  return isHan(text.charCodeAt(j)) && !NAME_STOP.has(text[j]!);
}

/**
 * Everyday words whose last character is also a surname: in 谢谢李先生 or 祝贺王先生 the 谢 or 贺
 * belongs to the word before the name, it does not start the name.
 */
const WORDS_ENDING_IN_SURNAME = new Set(['谢谢', '感谢', '多谢', '致谢', '道谢', '答谢', '祝贺', '恭贺', '庆贺', '道贺']);

/**
 * The character at `s` ends one of those words (感谢|王). Not when that word is itself the
 * second half of a doubled one: in 谢谢谢娜女士 the first 谢谢 is the word, the third 谢 starts
 * the name.
 */
function endsWordAt(text: string, s: number): boolean {
  if (s < 1 || !WORDS_ENDING_IN_SURNAME.has(text.slice(s - 1, s + 1))) return false;
  return !(s >= 2 && WORDS_ENDING_IN_SURNAME.has(text.slice(s - 2, s)));
}

/**
 * The Chinese name right before an honorific starting at `t`: a compound surname with one or two
 * given characters, or a common surname with up to two (张先生, 王芳女士, 欧阳娜娜女士).
 * Longest first: a given name may itself be a surname character (王林先生), and masking one
 * character too many is better than leaving a surname in clear. Undefined when no surname
 * starts the run.
 */
export function nameBeforeTitle(text: string, t: number): [number, number] | undefined {
  for (let k = 4; k >= 1; k--) {
    const s = t - k;
    if (s < 0) continue;
    let ok = true;
    for (let j = s; j < t && ok; j++) ok = nameChar(text, j);
    if (!ok || endsWordAt(text, s) || (k >= 3 && WORDS_ENDING_IN_SURNAME.has(text.slice(s, s + 2)))) continue;
    const compound = k >= 3 && COMPOUND_SURNAMES.has(text.slice(s, s + 2));
    if (compound || (k <= 3 && SURNAME.has(text[s]!))) return [s, t];
  }
  return undefined;
}
