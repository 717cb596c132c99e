/**
 * The forms a subject's own value takes when people rewrite it: the matcher (known.ts) folds
 * width, case and separators itself, so a form here is a spelling that folding cannot reach
 * (a prefix, another country prefix, a name part, "at"/"dot" spelled out, pinyin).
 *
 * Over-masking rule for names (README "Known values"): a part of a name is matched ALONE only
 * when it is distinctive, that is two or more Han characters (a given name 晓峰, a compound
 * surname 欧阳), two or more pinyin syllables (xiaofeng), or a Latin name part of three letters or
 * more (Mary, Johnson). A single Han character (王, 芳) or a single pinyin syllable (wang) is
 * matched only in a name context: with a title or a kinship/nickname affix (王先生, 老王, 小王, 阿芳,
 * 芳姐, Mr Wang, Xiao Wang). So the subject 王芳 does not mask every 王 and 芳 in their text.
 */
import { pinyin } from 'pinyin-pro';
import { isHan as isHan_ } from './chars.js';
import type { KnownValue } from './types.js';
import { normalizeCnId as normalizeCnId_, normalizeEmail as normalizeEmail_, normalizePhone as normalizePhone_ } from '../id/normalize.js';

const isHan = isHan_;
const normalizeCnId = normalizeCnId_;
const normalizeEmail = normalizeEmail_;
const normalizePhone = normalizePhone_;

/** Shortest prefix of a resident ID matched alone: 15 of 18 characters still single out one person. */
const MIN_ID_PREFIX = 15;
/** Shortest phone suffix matched alone ("the number ends in 12345678"). */
const MIN_PHONE_SUFFIX = 8;
/** Shortest email local part matched alone; role mailboxes are never matched alone. */
const MIN_LOCAL_PART = 4;
const ROLE_MAILBOXES = new Set(['info', 'admin', 'contact', 'support', 'service', 'sales', 'office', 'hello', 'mail', 'noreply', 'webmaster', 'postmaster']);

/** Two-character surnames (复姓); any other name's surname is its first character. */
const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '轩辕', '令狐', '端木',
  '独孤', '南宫', '西门', '申屠', '太史', '百里', '呼延', '闻人', '澹台', '公冶', '宗政', '濮阳', '淳于', '单于', '钟离', '万俟', '司空',
]);
/** Name contexts for a one-character surname: 老王, 小王, 王先生, 王姐... */
const SURNAME_BEFORE = ['老', '小'];
const SURNAME_AFTER = ['先生', '女士', '小姐', '太太', '老师', '总', '经理', '医生', '师傅', '阿姨', '姐', '哥', '同学', '老板'];
/** Name contexts for a one-character given name: 阿芳, 小芳, 芳芳, 芳姐... */
const GIVEN_BEFORE = ['阿', '小'];
const GIVEN_AFTER = ['姐', '哥', '妹', '弟', '儿', '宝', '仔'];
/** Latin name contexts for a single pinyin syllable or a short Latin part ("Mr. Wang", "Xiao Wang"). */
const LATIN_TITLES = ['mr', 'mrs', 'ms', 'miss', 'dr', 'xiao', 'lao'];

function allHan(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (!isHan(v.charCodeAt(i))) return false;
  return v.length > 0;
}

function cnIdForms(raw: string): string[] {
  const id = normalizeCnId(raw);
  if (id === undefined) return [raw];
  const forms = [id];
  // The same person's legacy 15-digit number (issued before 2000 to people born in the 1900s).
  if (id.slice(6, 8) === '19') forms.push(id.slice(0, 6) + id.slice(8, 17));
  // Without the check character, or cut short: still one person.
  for (let n = 17; n >= MIN_ID_PREFIX; n--) forms.push(id.slice(0, n));
  return forms;
}

function phoneForms(raw: string): string[] {
  const p = normalizePhone(raw);
  if (p === undefined) return [raw];
  const digits = p.replace(/^\+/, '');
  const forms = [digits];
  // A Chinese number: +86 / 0086 / 86- before a mobile, or before a landline without its trunk 0.
  const cn = /^1[3-9]\d{9}$/.test(digits) ? digits : !p.startsWith('+') && /^0[1-9]\d{8,10}$/.test(digits) ? digits.slice(1) : undefined;
  if (cn !== undefined) forms.push('86' + cn, '0086' + cn);
  for (let n = digits.length - 1; n >= MIN_PHONE_SUFFIX; n--) forms.push(digits.slice(-n));
  return forms;
}

function emailForms(raw: string): string[] {
  const e = normalizeEmail(raw);
  if (e === undefined) return [raw];
  const at = e.lastIndexOf('@');
  const local = e.slice(0, at);
  const domain = e.slice(at + 1);
  // The folder drops dots and brackets: "x(at)y.z" and "x [at] y.z" fold to local + "at" + domain.
  const dot = (s: string) => s.split('.').join('dot');
  const forms = [e, local + 'at' + domain, local + 'at' + dot(domain), dot(local) + 'at' + dot(domain)];
  const bare = local.replace(/[.\-_+]/g, '');
  if (bare.length >= MIN_LOCAL_PART && !ROLE_MAILBOXES.has(bare)) {
    forms.push(local);
    if (local.includes('.')) forms.push(dot(local));
  }
  return forms;
}

/** Pinyin of `han` as one string, toneless (and its ü spellings) and with tone marks. */
function pinyinSpellings(syllablesNone: string[], syllablesTone: string[]): string[] {
  const none = syllablesNone.join('');
  const out = [none, syllablesTone.join('')];
  if (none.includes('ü')) out.push(none.replace(/ü/g, 'v'), none.replace(/ü/g, 'u'), none.replace(/ü/g, 'yu'));
  return out;
}

function hanNameForms(v: string): string[] {
  const forms = [v];
  // One pinyin call (~10 µs): the toneless spelling is the toned one without its tone marks (ü kept).
  const tone = pinyin(v, { toneType: 'symbol', type: 'array', surname: 'head' }) as string[];
  const none = tone.map((t) => t.normalize('NFD').replace(/[\u0300\u0301\u0304\u030c]/g, '').normalize('NFC'));
  const surLen = COMPOUND_SURNAMES.has(v.slice(0, 2)) || v.length === 4 ? 2 : 1;
  const sur = v.slice(0, surLen);
  const given = v.slice(surLen);
  const surPy = pinyinSpellings(none.slice(0, surLen), tone.slice(0, surLen));
  const givenPy = pinyinSpellings(none.slice(surLen), tone.slice(surLen));
  // "Wang Xiaoming", "wangxiaoming", "Xiaoming Wang" (spaces are folded away), with or without tones.
  // Spellings are [toneless, toned, ü spellings of the toneless...]: toned goes with toned, every
  // toneless spelling with every other.
  forms.push(surPy[1]! + givenPy[1]!, givenPy[1]! + surPy[1]!);
  const plain = (p: string[]) => [p[0]!, ...p.slice(2)];
  for (const sp of plain(surPy)) for (const gp of plain(givenPy)) forms.push(sp + gp, gp + sp);
  if (sur.length >= 2) forms.push(sur, ...surPy);
  else {
    for (const b of SURNAME_BEFORE) forms.push(b + sur);
    for (const a of SURNAME_AFTER) forms.push(sur + a);
  }
  // Titles with the toneless spelling only: each form costs matcher time for every subject.
  for (const t of LATIN_TITLES) forms.push(t + surPy[0]!);
  if (given.length >= 2) forms.push(given, ...givenPy);
  else if (given.length === 1) {
    for (const b of GIVEN_BEFORE) forms.push(b + given);
    for (const a of GIVEN_AFTER) forms.push(given + a);
    forms.push(given + given);
  }
  return forms;
}

function latinNameForms(raw: string): string[] {
  const parts = raw.normalize('NFKC').trim().split(/[\s,]+/).filter(Boolean);
  const forms = [parts.join('')];
  if (parts.length > 1) {
    forms.push([...parts.slice(1), parts[0]!].join(''));
    for (const p of parts) {
      if (p.replace(/[.\-']/g, '').length >= 3) forms.push(p);
      else for (const t of LATIN_TITLES) forms.push(t + p);
    }
  }
  return forms;
}

function nameForms(raw: string): string[] {
  const v = raw.normalize('NFKC').replace(/\s+/g, '');
  return allHan(v) && v.length >= 2 && v.length <= 6 ? hanNameForms(v) : latinNameForms(raw);
}

/** Every spelling of one known value the matcher should find (before folding). */
export function formsOf(kv: KnownValue): string[] {
  switch (kv.kind) {
    case 'CN_ID':
    case 'CN_ID_PROBABLE':
      return cnIdForms(kv.value);
    case 'PHONE':
      return phoneForms(kv.value);
    case 'EMAIL':
      return emailForms(kv.value);
    case 'NAME':
      return nameForms(kv.value);
    default:
      return [kv.value];
  }
}
