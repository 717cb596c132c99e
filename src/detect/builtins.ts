/**
 * The built-in one-pass scanner. One walk over the text; a 64 KiB class table decides in one
 * load whether a position can start a candidate (a digit, a letter, '@', '+', '(', ':' or the
 * first character of a CJK cue). Each start is handed to the recognizer for that shape, and
 * validators (MOD 11-2, Luhn, mod 97, HK/TW check characters, calendar) decide. Nothing runs a
 * regex over the whole text, and no kind has its own sweep.
 */
import { CLASS as CLASS_, C_AT as C_AT_, C_COLON as C_COLON_, C_CUE as C_CUE_, C_DIGIT as C_DIGIT_, C_LOWER as C_LOWER_, C_OPEN as C_OPEN_, C_PLUS as C_PLUS_, C_UPPER as C_UPPER_, digitValue as digitValue_, isAsciiAlnum as isAsciiAlnum_, isAsciiDigit as isAsciiDigit_, isAsciiLetter as isAsciiLetter_, isHan as isHan_, markCue as markCue_ } from './chars.js';
import { SCORE as SCORE_, type Candidate } from './candidates.js';
import type { EntityKind } from './types.js';
import { CN_ID_PROBABLE as CN_ID_PROBABLE_, CN_ID_VALID as CN_ID_VALID_, cnIdAt as cnIdAt_ } from './recognizers/cn-id.js';
import { isLandlineAt as isLandlineAt_, isMobileAt as isMobileAt_ } from './recognizers/phone.js';
import { isBankCardAt as isBankCardAt_ } from './recognizers/bank-card.js';
import { isIpv4At as isIpv4At_ } from './recognizers/ipv4.js';
import { ibanAt as ibanAt_, isIbanCountryCode as isIbanCountryCode_ } from './recognizers/iban.js';
import { hkIdAt as hkIdAt_, twIdAt as twIdAt_ } from './recognizers/hk-tw-id.js';
import { passportAt as passportAt_, TW_PERMIT_CUES as TW_PERMIT_CUES_ } from './recognizers/passport.js';
import { emailAt as emailAt_ } from './recognizers/email.js';
import { NAME_CUES_ZH as NAME_CUES_ZH_, TITLES_AFTER_NAME_ZH as TITLES_AFTER_NAME_ZH_, TITLES_BEFORE_NAME_EN as TITLES_BEFORE_NAME_EN_, WECHAT_CUES_ZH as WECHAT_CUES_ZH_ } from './recognizers/cues.js';
import { nameAt as nameAt_, nameBeforeTitle as nameBeforeTitle_, skipCueSeparators as skipCueSeparators_ } from './recognizers/name.js';
import { addressAround as addressAround_, isHouseNumber as isHouseNumber_ } from './recognizers/address.js';
import { PLATE_PROVINCES as PLATE_PROVINCES_, plateAt as plateAt_ } from './recognizers/plate.js';
import { ipv6At as ipv6At_, macAt as macAt_ } from './recognizers/net.js';
import { wechatAt as wechatAt_ } from './recognizers/wechat.js';

// Module-local copies of imported bindings: under tsx an imported binding is a getter call on
// every access, which the hot loop cannot afford (measured: a sixth of scan time).
const CLASS = CLASS_;
const C_AT = C_AT_;
const C_COLON = C_COLON_;
const C_CUE = C_CUE_;
const C_DIGIT = C_DIGIT_;
const C_LOWER = C_LOWER_;
const C_OPEN = C_OPEN_;
const C_PLUS = C_PLUS_;
const C_UPPER = C_UPPER_;
const digitValue = digitValue_;
const isAsciiAlnum = isAsciiAlnum_;
const isAsciiDigit = isAsciiDigit_;
const isAsciiLetter = isAsciiLetter_;
const isHan = isHan_;
const markCue = markCue_;
const SCORE = SCORE_;
const CN_ID_PROBABLE = CN_ID_PROBABLE_;
const CN_ID_VALID = CN_ID_VALID_;
const cnIdAt = cnIdAt_;
const isLandlineAt = isLandlineAt_;
const isMobileAt = isMobileAt_;
const isBankCardAt = isBankCardAt_;
const isIpv4At = isIpv4At_;
const ibanAt = ibanAt_;
const isIbanCountryCode = isIbanCountryCode_;
const hkIdAt = hkIdAt_;
const twIdAt = twIdAt_;
const passportAt = passportAt_;
const TW_PERMIT_CUES = TW_PERMIT_CUES_;
const emailAt = emailAt_;
const NAME_CUES_ZH = NAME_CUES_ZH_;
const WECHAT_CUES_ZH = WECHAT_CUES_ZH_;
const TITLES_AFTER_NAME_ZH = TITLES_AFTER_NAME_ZH_;
const TITLES_BEFORE_NAME_EN = TITLES_BEFORE_NAME_EN_;
const nameBeforeTitle = nameBeforeTitle_;
const nameAt = nameAt_;
const skipCueSeparators = skipCueSeparators_;
const addressAround = addressAround_;
const isHouseNumber = isHouseNumber_;
const PLATE_PROVINCES = PLATE_PROVINCES_;
const plateAt = plateAt_;
const ipv6At = ipv6At_;
const macAt = macAt_;
const wechatAt = wechatAt_;

// The scan loop's switch uses these values as literals.
if (C_DIGIT !== 1 || C_UPPER !== 2 || C_LOWER !== 3 || C_AT !== 4 || C_PLUS !== 5 || C_OPEN !== 6 || C_CUE !== 7 || C_COLON !== 8) throw new Error('chars.ts class codes changed: update the literal case labels in builtins.ts');

/** Settings the built-in pass needs; derived once from ScannerOptions. */
export interface BuiltinConfig {
  /** Kinds switched off. */
  off: ReadonlySet<EntityKind>;
  probableIdAsId: boolean;
}

/** What follows a cue: a name, a WeChat id; or, for an honorific (TITLE), a name before it. */
type CueKind = 'NAME' | 'WECHAT' | 'TITLE';
interface Cue {
  cue: string;
  /** The cue's second character, compared before the whole cue. */
  second: number;
  kind: CueKind;
}
/**
 * Cues by first character: CUE_SLOT[c] is 1 + the index of c's list in CUE_LISTS (0: none). A
 * table load instead of a Map lookup: cue characters (我, 本, 新...) are common in Chinese prose.
 */
const CUE_SLOT = new Uint8Array(65536);
const CUE_LISTS: Cue[][] = [];
function addCue(cue: string, kind: CueKind): void {
  const c = cue.charCodeAt(0);
  if (CUE_SLOT[c] === 0) {
    CUE_LISTS.push([]);
    CUE_SLOT[c] = CUE_LISTS.length;
  }
  const list = CUE_LISTS[CUE_SLOT[c]! - 1]!;
  list.push({ cue, second: cue.charCodeAt(1), kind });
  list.sort((a, b) => b.cue.length - a.cue.length); // longest cue first: 微信号 before 微信
  markCue(cue);
}
for (const c of NAME_CUES_ZH) addCue(c, 'NAME');
for (const c of WECHAT_CUES_ZH) addCue(c, 'WECHAT');
for (const c of TITLES_AFTER_NAME_ZH) addCue(c, 'TITLE');
const PLATE_CHARS = new Uint8Array(65536);
for (const ch of PLATE_PROVINCES) {
  PLATE_CHARS[ch.charCodeAt(0)] = 1;
  markCue(ch);
}

const SEP = new Uint8Array(65536);
for (const ch of ' -.()（）\u3000\u00a0–—‐') SEP[ch.charCodeAt(0)] = 1;

/** `qq`, `QQ`, `ＱＱ` or 扣扣 within 8 characters before `at`, checked without allocating. */
function qqBefore(text: string, at: number): boolean {
  for (let k = at - 1; k >= 1 && k >= at - 8; k--) {
    const c = text.charCodeAt(k);
    const p = text.charCodeAt(k - 1);
    if (((c | 0x20) === 113 && (p | 0x20) === 113) || ((c === 0xff31 || c === 0xff51) && (p === 0xff31 || p === 0xff51)) || (c === 0x6263 && p === 0x6263)) return true;
  }
  return false;
}

/** A Taiwan compatriot permit cue within `span` characters before `at` (its last character is 证 or 'P'). */
function cueBefore(text: string, at: number, cues: readonly string[], span: number): boolean {
  let seen = false;
  for (let k = at - 1; k >= 0 && k >= at - span; k--) {
    const c = text.charCodeAt(k);
    if (c === 0x8bc1 || c === 80) {
      seen = true;
      break;
    }
  }
  if (!seen) return false;
  const w = text.slice(Math.max(0, at - span), at);
  for (const c of cues) if (w.includes(c)) return true;
  return false;
}

/** Per-call scratch for numeric tokens (no allocation per group). */
const GS = new Int32Array(64); // text offset where group k starts
const GE = new Int32Array(64); // and ends
const GL = new Int32Array(64); // digits in group k
const GP = new Int32Array(64); // where group k's digit values start in DV
/** Digit values of the current token; a group keeps at most DV_GROUP (longer ones are no identifier). */
const DV_GROUP = 20;
const DV = new Uint8Array(512);
const GSEP = new Uint8Array(64); // 1 when the separator before group k is exactly '.'
const GSEPC = new Uint16Array(64); // first separator character before group k
const MAX_GROUPS = 24;
const CUM = new Int32Array(66);

export class BuiltinScanner {
  private readonly off: ReadonlySet<EntityKind>;
  private readonly probable: boolean;
  private out: Candidate[] = [];
  private docDate = '';
  /** The document date as the number YYYYMMDD. */
  private docNum = 99991231;
  /** The current numeric token follows an ASCII letter (`SF1234...`, `YT2702...`). */
  private glued = false;

  constructor(cfg: BuiltinConfig) {
    this.off = cfg.off;
    this.probable = cfg.probableIdAsId;
  }

  /** Appends candidates for `text` to `out`. `docDate` is `YYYYMMDD`. */
  scan(text: string, out: Candidate[], docDate: string): void {
    this.out = out;
    if (docDate !== this.docDate) {
      this.docDate = docDate;
      this.docNum = Number(docDate);
    }
    const n = text.length;
    // The class table in a local: a module binding is a context load (with a TDZ check) per character.
    const classOf = CLASS;
    let i = 0;
    while (i < n) {
      const cls = classOf[text.charCodeAt(i)]!;
      if (cls === 0) {
        i++;
        continue;
      }
      // Literal case labels (the C_* values of chars.ts) let the switch compile to compares with constants.
      switch (cls) {
        case 1: // C_DIGIT
          i = this.digits(text, i);
          break;
        case 2: // C_UPPER
        case 3: // C_LOWER
          i = this.word(text, i);
          break;
        case 4: { // C_AT
          const span = emailAt(text, i);
          if (span !== undefined) {
            this.hit('EMAIL', span[0], span[1], SCORE.structure);
          }
          // Scanning goes on inside the domain: a CJK domain label may run into a cue word.
          i++;
          break;
        }
        case 5: // C_PLUS
        case 6: { // C_OPEN
          const c1 = text.charCodeAt(i + 1);
          const ok = digitValue(c1) >= 0 || (cls === C_OPEN && (c1 === 43 || c1 === 0xff0b) && digitValue(text.charCodeAt(i + 2)) >= 0);
          i = ok && !isAsciiAlnum(text.charCodeAt(i - 1)) ? this.numeric(text, i) : i + 1;
          break;
        }
        case 8: // C_COLON
          if (text.charCodeAt(i + 1) === 58 && !isAsciiAlnum(text.charCodeAt(i - 1)) && text.charCodeAt(i - 1) !== 58) {
            const e = ipv6At(text, i);
            if (e > 0) {
              // A prefix length belongs to the address, as for IPv4 (`2001:db8::/32`).
              const end = cidrEnd(text, e, 128);
              this.hit('IP', i, end, SCORE.structure);
              i = end;
              break;
            }
          }
          i++;
          break;
        case 7: // C_CUE
          i = this.cue(text, i);
          break;
        default:
          i++;
      }
    }
  }

  /** A CJK cue word or a plate province character at `i`. */
  private cue(text: string, i: number): number {
    const c = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    if (PLATE_CHARS[c] === 1) {
      if (c1 >= 65 && c1 <= 90) {
        const e = plateAt(text, i);
        if (e > 0) {
          this.hit('PLATE', i, e, SCORE.shaped);
          return e;
        }
      }
    }
    const slot = CUE_SLOT[c]!;
    if (slot === 0) return i + 1;
    for (const { cue, second, kind } of CUE_LISTS[slot - 1]!) {
      if (second !== c1 || !text.startsWith(cue, i)) continue;
      if (kind === 'TITLE') {
        const span = nameBeforeTitle(text, i);
        if (span !== undefined) this.hit('NAME', span[0], span[1], SCORE.name);
        return i + cue.length;
      }
      const v = skipCueSeparators(text, i + cue.length);
      if (kind === 'NAME') {
        const span = nameAt(text, v);
        if (span !== undefined) this.hit('NAME', span[0], span[1], SCORE.name);
      } else {
        const e = wechatAt(text, v);
        if (e > 0) this.hit('WECHAT', v, e, SCORE.cued);
      }
      return v;
    }
    return i + 1;
  }

  /** An ASCII letter at `i`: prefixed IDs, IBAN, hex (MAC/IPv6), cue words. Returns the next position. */
  private word(text: string, i: number): number {
    let j = i + 1;
    for (;;) {
      const c = text.charCodeAt(j) | 32; // NaN past the end gives 32
      if (c < 97 || c > 122) break;
      j++;
    }
    const atStart = !isAsciiAlnum(text.charCodeAt(i - 1));
    const cj = text.charCodeAt(j);
    if (!atStart) return j;
    if (digitValue(cj) >= 0 && cj < 128) {
      const e = this.prefixed(text, i, j);
      if (e > 0) return e;
      if (j - i <= 4 && isHexWord(text, i, j) && mayStartHexForm(text, i, hexRunEnd(text, i))) {
        const e = this.hex(text, i);
        if (e > 0) return e;
      }
      return j; // the digits are scanned as a numeric token of their own
    }
    if (cj === 58 || cj === 45 || cj === 46 || cj === 32) {
      if (j - i <= 4 && isHexWord(text, i, j) && mayStartHexForm(text, i, j)) {
        const e = this.hex(text, i);
        if (e > 0) return e;
      }
    }
    const len = j - i;
    if (len === 4 || len === 2 || len === 6) {
      const f = text.charCodeAt(i) | 0x20;
      if (f === 110 || f === 119 || f === 118) this.latinCue(text, i, j); // n(ame), w(echat|x), v(x)
    }
    if ((len === 2 || len === 3) && (text.charCodeAt(i) === 77 || text.charCodeAt(i) === 68)) this.latinTitle(text, i, j); // M(r|rs|s), D(r)
    return j;
  }

  /** An English honorific before a name: `Mr. Zhang Wei`, `Dr Smith`. */
  private latinTitle(text: string, i: number, j: number): void {
    const word = text.slice(i, j);
    if (!(TITLES_BEFORE_NAME_EN as readonly string[]).includes(word)) return;
    let k = text.charCodeAt(j) === 46 ? j + 1 : j;
    if (text.charCodeAt(k) !== 32) return;
    while (text.charCodeAt(k) === 32) k++;
    const span = nameAt(text, k);
    if (span !== undefined && !isHan(text.charCodeAt(k))) this.hit('NAME', span[0], span[1], SCORE.name);
  }

  /** English cue words: `Name:`, `name is`, `WeChat:`, `wx:`. */
  private latinCue(text: string, i: number, j: number): void {
    const len = j - i;
    if (len === 4 && lowerIs(text, i, 'name')) {
      let k = j;
      while (text.charCodeAt(k) === 32) k++;
      if (text.charCodeAt(k) === 58 || text.charCodeAt(k) === 0xff1a) k++;
      else if (text.startsWith('is ', k)) k += 3;
      else return;
      while (text.charCodeAt(k) === 32) k++;
      const span = nameAt(text, k);
      if (span !== undefined) this.hit('NAME', span[0], span[1], SCORE.name);
    } else if ((len === 6 && lowerIs(text, i, 'wechat')) || (len === 2 && (lowerIs(text, i, 'wx') || lowerIs(text, i, 'vx')))) {
      let k = j;
      if (text.startsWith(' ID', k) || text.startsWith(' id', k)) k += 3;
      k = skipCueSeparators(text, k);
      const e = wechatAt(text, k);
      if (e > 0) this.hit('WECHAT', k, e, SCORE.cued);
    }
  }

  /** Letter-prefixed identifiers at `i` (letters end at `j`). Returns the end, or -1. */
  private prefixed(text: string, i: number, j: number): number {
    const letters = j - i;
    const upper = text.charCodeAt(i) <= 90;
    if (letters > 2) return -1;
    if (upper) {
      const e = passportAt(text, i);
      if (e > 0) {
        this.hit('PASSPORT', i, e, SCORE.shaped);
        return e;
      }
    }
    const h = hkIdAt(text, i, j);
    if (h > 0) {
      this.hit('HK_ID', i, h, SCORE.checksum);
      return h;
    }
    if (letters === 1 && upper) {
      const t = twIdAt(text, i);
      if (t > 0) {
        this.hit('TW_ID', i, t, SCORE.checksum);
        return t;
      }
    }
    // An IBAN: country letters, then two check digits (the first is text[j]).
    if (letters === 2 && upper && isIbanCountryCode(text.charCodeAt(i), text.charCodeAt(i + 1)) && isAsciiDigit(text.charCodeAt(i + 3))) {
      const k = ibanAt(text, i);
      if (k > 0) {
        this.hit('IBAN', i, k, SCORE.checksum);
        return k;
      }
    }
    return -1;
  }

  /** MAC or IPv6 starting at `i`. Returns the end, or -1. */
  private hex(text: string, i: number): number {
    // Inside a longer colon form already rejected (`12345:db8::1`): not a fresh start.
    const prev = text.charCodeAt(i - 1);
    if (prev === 58 || prev === 46) return -1;
    const k = hexRunEnd(text, i);
    if (k === i) return -1;
    const sep = text.charCodeAt(k);
    if (sep === 58 && k - i === 2) {
      // Pairs joined by colons: an EUI-64 MAC is also valid IPv6 syntax; call it a MAC.
      const e = macAt(text, i);
      if (e > 0) {
        this.hit('MAC', i, e, SCORE.structure);
        return e;
      }
    }
    if (sep === 58) {
      const e = ipv6At(text, i);
      if (e > 0) {
        const end = cidrEnd(text, e, 128);
        this.hit('IP', i, end, SCORE.structure);
        return end;
      }
    }
    if (((sep === 58 || sep === 45 || sep === 32) && k - i === 2) || (sep === 46 && k - i === 4)) {
      const e = macAt(text, i);
      if (e > 0) {
        this.hit('MAC', i, e, SCORE.structure);
        return e;
      }
    }
    return -1;
  }

  /** A digit at `i`. Returns the next position to scan. */
  private digits(text: string, i: number): number {
    if (!isAsciiAlnum(text.charCodeAt(i - 1))) {
      // Hex-led forms first (2001:db8::1, 00:1a:2b:3c:4d:5e), with char-code pre-checks so
      // times and dates (12:30:45, 2024-03-15) cost no regex.
      const k = hexRunEnd(text, i);
      if (mayStartHexForm(text, i, k)) {
        const e = this.hex(text, i);
        if (e > 0) return e;
      }
    }
    return this.numeric(text, i);
  }

  /**
   * A numeric token from `start` (a digit, '+' or '('): digit groups joined by single
   * separators (space, hyphen, dot, parentheses, full-width forms), then classified. When the
   * whole token is no identifier, sub-ranges of groups are tried, longest first, so a phone
   * followed by an unrelated number (`13800138000 5月`) is still found.
   */
  private numeric(text: string, start: number): number {
    const n = text.length;
    let i = start;
    let plus = false;
    let c = text.charCodeAt(i);
    if (c === 40 || c === 0xff08) c = text.charCodeAt(++i);
    if (c === 43 || c === 0xff0b) {
      plus = true;
      i++;
    }
    let g = 0;
    let q = 0; // next free slot in DV
    // Scratch arrays in locals: module bindings are context loads with TDZ checks in the digit loop.
    const dv = DV;
    const dvGroup = DV_GROUP;
    const sepOf = SEP;
    for (;;) {
      const gs = i;
      GP[g] = q;
      // Digit values go straight into DV (at most DV_GROUP per group: a longer group is no identifier).
      for (;;) {
        const d = text.charCodeAt(i);
        let v: number;
        if (d >= 48 && d <= 57) v = d - 48;
        else if (d >= 0xff10 && d <= 0xff19) v = d - 0xff10;
        else break;
        if (i - gs < dvGroup) dv[q++] = v;
        i++;
      }
      GS[g] = gs;
      GE[g] = i;
      GL[g] = i - gs;
      g++;
      if (g === MAX_GROUPS || i >= n) break;
      // A separator of one or two characters, then a digit, continues the token.
      const s0 = text.charCodeAt(i);
      if (sepOf[s0] !== 1) break;
      const s1 = text.charCodeAt(i + 1);
      if ((s1 >= 48 && s1 <= 57) || (s1 >= 0xff10 && s1 <= 0xff19)) {
        // "IPv6 2001:db8::1": a following hex-colon form is not part of this number.
        if ((s0 === 32 || s0 === 0x3000) && startsHexForm(text, i + 1)) break;
        GSEP[g] = s0 === 46 ? 1 : 0;
        GSEPC[g] = s0;
        i += 1;
      } else if (sepOf[s1] === 1 && s0 !== s1 && digitValue(text.charCodeAt(i + 2)) >= 0) {
        GSEP[g] = 0;
        GSEPC[g] = s0;
        i += 2;
      } else break;
    }
    const tokenEnd = i;
    this.glued = isAsciiLetter(text.charCodeAt(start - 1));
    // A check character X right after the digits (IDs only; not part of a longer word).
    const xc = text.charCodeAt(tokenEnd);
    const xFlag = (xc === 88 || xc === 120 || xc === 0xff38 || xc === 0xff58) && !isAsciiAlnum(text.charCodeAt(tokenEnd + 1));

    // Cumulative digit counts: ranges longer than any identifier are skipped before any validator runs.
    CUM[0] = 0;
    for (let k = 0; k < g; k++) CUM[k + 1] = CUM[k]! + GL[k]!;
    let a = 0;
    while (a < g) {
      let matched = -1;
      for (let b = g - 1; b >= a; b--) {
        const len = CUM[b + 1]! - CUM[a]!;
        if (len > 19 || (len < 5 && b - a !== 3)) continue;
        // A range of several groups shorter than 11 digits can only be a dotted IPv4, a '+'
        // number (8+) or a trunk-0 landline (9+): timestamps and amounts (2024-03-15 12, 1 299.00)
        // skip the classify call for each of their sub-ranges.
        if (a !== b && len < 11 && b - a !== 3 && !(a === 0 && plus && len >= 8) && !(len >= 9 && dv[GP[a]!] === 0)) continue;
        if (this.classify(text, start, a, b, g, len, plus, xFlag)) {
          matched = b;
          break;
        }
      }
      a = matched >= 0 ? matched + 1 : a + 1;
    }
    // House number of a street address: 中关村大街27号.
    const last = g - 1;
    if (text.charCodeAt(GE[last]!) === 0x53f7 /* 号 */ && isHouseNumber(text, GS[last]!, GE[last]!)) {
      const span = addressAround(text, GS[last]!, GE[last]!);
      if (span !== undefined) this.hit('ADDRESS', span[0], span[1], SCORE.cued);
    }
    return tokenEnd;
  }

  /**
   * Classifies groups a..b (`len` digits, at most 19, so stored contiguously in DV from
   * GP[a]) of the current token; emits and returns true on a match.
   */
  private classify(text: string, tokenStart: number, a: number, b: number, g: number, len: number, plus: boolean, xFlag: boolean): boolean {
    const p = GP[a]!;
    const lead = a === 0;
    // Only a phone owns the '+' or '(' that opened the token: `(0755) 8888 6666`, `+86 ...`.
    const sp = lead ? tokenStart : GS[a]!;
    const s = GS[a]!;
    const e = GE[b]!;
    const plusHere = lead && plus;
    if (b - a === 3 && !plusHere && GSEP[a + 1] === 1 && GSEP[a + 2] === 1 && GSEP[a + 3] === 1) {
      if (isIpv4At(DV, GP, GL, a)) return this.hit('IP', s, cidrEnd(text, e, 32), SCORE.structure);
    }
    if (len < 5) return false;
    const withX = b === g - 1 && xFlag;
    let probableAt = false;

    if (withX && len === 17 && !plusHere) {
      const v = cnIdAt(DV, p, 17, true, this.docNum);
      if (v === CN_ID_VALID) return this.hit('CN_ID', s, e + 1, SCORE.checksum);
      if (v === CN_ID_PROBABLE && this.probable) return this.hit('CN_ID_PROBABLE', s, e + 1, SCORE.probable);
    }
    // A 15-digit American Express number (34/37, Luhn) can also read as a legacy ID from Anhui or
    // Shandong (regions 34, 37, no check digit). Legacy IDs were withdrawn by 2013 and are not
    // written in fours: the card reading wins.
    if (len === 15 && !plusHere && !this.glued && DV[p] === 3 && (DV[p + 1] === 4 || DV[p + 1] === 7) && cardGrouping(a, b) && isBankCardAt(DV, p, len)) {
      return this.hit('BANK_CARD', s, e, SCORE.checksum);
    }
    if ((len === 18 || len === 15) && !plusHere) {
      const v = cnIdAt(DV, p, len, false, this.docNum);
      if (v === CN_ID_VALID) return this.hit('CN_ID', s, e, SCORE.checksum);
      if (v === CN_ID_PROBABLE) probableAt = true;
    }
    if (len >= 11 && len <= 15 && isMobileAt(DV, p, len, plusHere)) return this.hit('PHONE', sp, e, SCORE.structure);
    if (len >= 9 && len <= 18 && (plusHere || DV[p] === 0)) {
      const extOk = GSEPC[b] === 45; // an extension follows a hyphen: 010-62660053-123
      if (plusHere || (DV[p + 1] === 0 && DV[p + 2] === 8 && DV[p + 3] === 6)) {
        // +86 / 0086: the country code is cut, the trunk 0 implied.
        const cut = plusHere ? 0 : 2;
        if (DV[p + cut] === 8 && DV[p + cut + 1] === 6 && len - cut >= 11) {
          if (isLandlineAt(DV, p + cut + 2, len - cut - 2, GL, a, b, cut + 2, true, extOk)) return this.hit('PHONE', sp, e, SCORE.landline);
        }
      } else if (isLandlineAt(DV, p, len, GL, a, b, 0, false, extOk)) {
        return this.hit('PHONE', sp, e, SCORE.landline);
      }
    }
    if (plusHere && len >= 8 && len <= 15) return this.hit('PHONE', sp, e, SCORE.landline); // E.164 elsewhere
    // Cards are never glued to letters (tracking numbers are), and are grouped 4-4-4-4(-3) or 4-6-5.
    if (len >= 13 && !this.glued && cardGrouping(a, b) && isBankCardAt(DV, p, len)) return this.hit('BANK_CARD', s, e, SCORE.checksum);
    if (probableAt && this.probable && len === 18) return this.hit('CN_ID_PROBABLE', s, e, SCORE.probable);
    if (a === b && len <= 11 && DV[p] !== 0 && qqBefore(text, s)) return this.hit('QQ', s, e, SCORE.cued);
    if (a === b && (len === 8 || len === 10) && cueBefore(text, s, TW_PERMIT_CUES, 14)) return this.hit('PASSPORT', s, e, SCORE.cued);
    return false;
  }

  /** Appends a candidate unless its kind is disabled; true when appended (the numeric token path returns it). */
  private hit(kind: EntityKind, s: number, e: number, score: number): boolean {
    if (this.off.size !== 0 && this.off.has(kind)) return false;
    this.out.push({ kind, start: s, end: e, score });
    return true;
  }
}

function cardGrouping(a: number, b: number): boolean {
  if (a === b) return true;
  const sep = GSEPC[a + 1];
  for (let k = a + 2; k <= b; k++) if (GSEPC[k] !== sep) return false;
  if (b - a === 2 && GL[a] === 4 && GL[a + 1] === 6 && GL[b] === 5) return true; // Amex 4-6-5
  for (let k = a; k < b; k++) if (GL[k] !== 4) return false;
  return GL[b]! <= 4;
}

/** A hex run followed by ':' (IPv6) starts at `i`. */
function startsHexForm(text: string, i: number): boolean {
  const k = hexRunEnd(text, i);
  return k > i && text.charCodeAt(k) === 58 && isHexOrColon(text.charCodeAt(k + 1));
}

/** Extends an address ending at `e` by a CIDR suffix `/nn` (nn <= max). */
function cidrEnd(text: string, e: number, max: number): number {
  if (text.charCodeAt(e) !== 47) return e;
  let k = e + 1;
  while (k < e + 4 && text.charCodeAt(k) >= 48 && text.charCodeAt(k) <= 57) k++;
  if (k === e + 1 || isAsciiAlnum(text.charCodeAt(k))) return e;
  return Number(text.slice(e + 1, k)) <= max ? k : e;
}

function isHexChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** End of the run of up to 4 hex characters at `i`. */
function hexRunEnd(text: string, i: number): number {
  let k = i;
  while (k < i + 4 && isHexChar(text.charCodeAt(k))) k++;
  return k;
}

/**
 * Whether the hex run [i, k) can begin an IPv6 or MAC address: `h:h` / `h::` for IPv6, a pair
 * then a separator then a pair then the same separator for MAC, `hhhh.hhhh` for Cisco MACs.
 */
function mayStartHexForm(text: string, i: number, k: number): boolean {
  const sep = text.charCodeAt(k);
  const n1 = text.charCodeAt(k + 1);
  if (sep === 58) {
    if (n1 === 58) return true;
    if (!isHexChar(n1)) return false;
    // h:h... needs a second colon within the next group (times like 12:30 have one).
    const k2 = hexRunEnd(text, k + 1);
    return text.charCodeAt(k2) === 58 && (k - i === 2 ? true : isHexChar(text.charCodeAt(k2 + 1)) || text.charCodeAt(k2 + 1) === 58) && !isTimeLike(text, i, k, k2);
  }
  if (k - i === 2 && (sep === 45 || sep === 32)) return isHexChar(n1) && isHexChar(text.charCodeAt(k + 2)) && text.charCodeAt(k + 3) === sep;
  if (k - i === 4 && sep === 46) return hexRunEnd(text, k + 1) === k + 5 && text.charCodeAt(k + 5) === 46;
  return false;
}

/** hh:mm:ss with decimal fields of two digits is a time, never an address. */
function isTimeLike(text: string, i: number, k: number, k2: number): boolean {
  if (k - i !== 2 || k2 - k !== 3) return false;
  for (let q = i; q < k2; q++) {
    const c = text.charCodeAt(q);
    if (c !== 58 && (c < 48 || c > 57)) return false;
  }
  const k3 = hexRunEnd(text, k2 + 1);
  // A third colon (12:30:45:...) may still be a MAC or IPv6: let the full check decide.
  return k3 - k2 === 3 && text.charCodeAt(k3) !== 58;
}

function isHexOrColon(c: number): boolean {
  return c === 58 || (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isHexWord(text: string, i: number, j: number): boolean {
  for (let k = i; k < j; k++) {
    const c = text.charCodeAt(k);
    if (!((c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** The ASCII letters at `i` spell `word` (lower-case) in any case. */
function lowerIs(text: string, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if ((text.charCodeAt(i + k) | 32) !== word.charCodeAt(k)) return false;
  return true;
}
