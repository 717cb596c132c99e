/**
 * Leak verification without opening the vault (issue 13, item 6). Every identifier-shaped token
 * of an output line (digit runs of 6 or more, phone and ID shapes, email shapes) is normalised
 * the way ingest normalises a subject's identifiers (src/id/normalize.ts), hashed with the blind
 * indexer, and looked up among the vault's subjects. A hit means a stored business text still
 * carries someone's resident ID, phone or email, whatever the scanner missed or whoever wrote
 * behind it: EXPORT_LEAK, naming the object (its export id) and the field, never the value.
 *
 * Nothing is decrypted: the check needs the index key and the vault's subject table only. It
 * is a membership test, so it finds identifiers of people in the vault, not of anyone else
 * (THREAT-MODEL.md, "The export's leak check").
 */
import type { BlindIndexer } from '../crypto/blind-index.js';
import type { IdentifierKind } from '../crypto/hmac.js';
import { SunderError } from '../errors.js';
import { isValidCnId, normalizeCnId, normalizeEmail, normalizePhone } from '../id/normalize.js';
import { BoundedMap } from '../pipeline/bounded-map.js';
import { digestKey, type Vault } from '../vault/vault.js';

export interface IdentifierToken {
  kind: IdentifierKind;
  normalised: string;
}

export interface Leak {
  /** Field path inside the line, e.g. ["text", "note"]. */
  path: (string | number)[];
  kind: IdentifierKind;
}

/**
 * A run of digits, possibly spelled with the separators people type (spaces, dashes, dots,
 * brackets), a leading + and a trailing X (resident IDs). Applied after NFKC, which folds
 * full-width digits and brackets.
 */
const DIGIT_RUN = /\+?\d(?:[\d\-‐‑‒–—.·()\s（）\u3000]*[\dXx])?/g;
/**
 * Characters NFKC changes that can matter to an identifier: full-width digits, letters, @ + - .,
 * and other digit forms (superscripts, circled, mathematical). Text without them (most text,
 * full-width commas and colons included) skips the costly NFKC pass and reads the same.
 */
const FOLDS = /[\uFF0B\uFF0D\uFF0E\uFF10-\uFF19\uFF20-\uFF3A\uFF41-\uFF5A\u00B2\u00B3\u00B9\u2070-\u209F\u2150-\u218F\u2460-\u24FF\u2776-\u2793\u3220-\u325F\u3280-\u32BF\uD835]/;
/** Characters of an email's local part and domain, after NFKC (ASCII: a CJK neighbour is not part of it). */
const LOCAL = /[A-Za-z0-9._%+\-]/;
const DOMAIN = /[A-Za-z0-9.\-]/;
const MIN_DIGITS = 6;
/** Windows tried inside a longer bare digit run (an identifier glued to other digits), at most this many per length. */
const MAX_WINDOWS = 64;

function addDigitCandidate(out: Map<string, IdentifierToken>, raw: string): void {
  const digits = raw.replace(/\D/g, '');
  if (digits.length < MIN_DIGITS) return;
  const id = normalizeCnId(raw);
  if (id !== undefined) out.set(`cn_id:${id}`, { kind: 'cn_id', normalised: id });
  const phone = normalizePhone(raw);
  if (phone !== undefined) out.set(`phone:${phone}`, { kind: 'phone', normalised: phone });
}

/** Every identifier-shaped token of `text`, normalised and de-duplicated. */
export function identifierTokens(text: string): IdentifierToken[] {
  const out = new Map<string, IdentifierToken>();
  // NFKC folds full-width digits and letters; ASCII needs no folding.
  const s = FOLDS.test(text) ? text.normalize('NFKC') : text;
  if (/\d/.test(s)) for (const m of s.matchAll(DIGIT_RUN)) {
    const run = m[0];
    addDigitCandidate(out, run);
    // Two identifiers written side by side ("13800138000 13900139000") join into one run that
    // is no identifier: each space-separated piece and each bare digit run is tried as well.
    const pieces = run.split(/\s+/);
    if (pieces.length > 1) for (const p of pieces) addDigitCandidate(out, p);
    for (const bare of run.match(/\d+[Xx]?/g) ?? []) {
      if (bare !== run) addDigitCandidate(out, bare);
      // A mobile or resident ID glued to other digits: the windows shaped like one (a mobile
      // prefix, a resident ID's checksum), not every window, which would cost a lookup each.
      if (bare.length > 11) {
        for (let i = 0; i + 11 <= bare.length && i < MAX_WINDOWS; i++) {
          if (bare[i] === '1' && bare[i + 1]! >= '3') addDigitCandidate(out, bare.slice(i, i + 11));
        }
      }
      if (bare.length > 18) {
        for (let i = 0; i + 18 <= bare.length && i < MAX_WINDOWS; i++) {
          const w = bare.slice(i, i + 18);
          if (isValidCnId(w)) addDigitCandidate(out, w);
        }
      }
    }
  }
  // Emails grown out from each @ (a regex scanning for the local part from every position
  // is quadratic over a long run of CJK text, which has no spaces to stop it).
  for (let at = s.indexOf('@'); at !== -1; at = s.indexOf('@', at + 1)) {
    let a = at;
    while (a > 0 && LOCAL.test(s[a - 1]!)) a--;
    let b = at + 1;
    while (b < s.length && DOMAIN.test(s[b]!)) b++;
    while (b > at + 1 && s[b - 1] === '.') b--;
    const email = a < at ? normalizeEmail(s.slice(a, b)) : undefined;
    if (email !== undefined) out.set(`email:${email}`, { kind: 'email', normalised: email });
  }
  return [...out.values()];
}

/**
 * Top-level fields the export writes itself (its own keyed ids and pseudonym, the media
 * entries' names, hashes and sizes): nothing stored reaches them, so they are not scanned.
 */
const GENERATED = new Set(['id', 'pseudonym', 'media']);

/** Every string (and long integer) of `line` with its field path. */
function* fieldsOf(value: unknown, path: (string | number)[]): Generator<{ path: (string | number)[]; text: string }> {
  if (typeof value === 'string') yield { path, text: value };
  else if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 10 ** (MIN_DIGITS - 1)) yield { path, text: String(value) };
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* fieldsOf(value[i], [...path, i]);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (path.length === 0 && GENERATED.has(k)) continue;
      // A key can carry a value as well ({"13800138000": "called"}).
      yield* fieldsOf(k, [...path, k]);
      yield* fieldsOf(v, [...path, k]);
    }
  }
}

export class LeakChecker {
  /** Lines checked and digests looked up, for the summary and the bench. */
  lines = 0;
  lookups = 0;

  /**
   * Tokens already looked up, hit or miss: dates, order numbers and the like recur across
   * lines, and the vault does not change under one export's read.
   */
  private readonly known = new BoundedMap<string, boolean>(100_000);

  constructor(private readonly indexer: BlindIndexer, private readonly vault: Pick<Vault, 'findSubjects'>) {}

  /** The leaks of one line (empty when clean): one vault query per line that has any token. */
  async leaksOf(line: Record<string, unknown>): Promise<Leak[]> {
    this.lines++;
    const hits: { kind: IdentifierKind; path: (string | number)[] }[] = [];
    const asked: { kind: IdentifierKind; digest: Uint8Array; key: string; token: string; path: (string | number)[] }[] = [];
    for (const field of fieldsOf(line, [])) {
      for (const t of identifierTokens(field.text)) {
        const token = `${t.kind}:${t.normalised}`;
        const known = this.known.get(token);
        if (known === true) hits.push({ kind: t.kind, path: field.path });
        if (known !== undefined) continue;
        const digest = this.indexer.digest(t.kind, t.normalised);
        asked.push({ kind: t.kind, digest, key: digestKey(t.kind, digest), token, path: field.path });
      }
    }
    if (asked.length > 0) {
      this.lookups += asked.length;
      const found = await this.vault.findSubjects(asked);
      for (const a of asked) {
        const hit = found.has(a.key);
        this.known.set(a.token, hit);
        if (hit) hits.push({ kind: a.kind, path: a.path });
      }
    }
    const leaks: Leak[] = [];
    const seen = new Set<string>();
    for (const h of hits) {
      const where = `${h.kind}:${h.path.join('.')}`;
      if (!seen.has(where)) {
        seen.add(where);
        leaks.push(h);
      }
    }
    return leaks;
  }

  /** Throws EXPORT_LEAK for the first leak of `line`; `objectId` is the id the export gives it. */
  async check(line: Record<string, unknown>, objectId: string): Promise<void> {
    const leaks = await this.leaksOf(line);
    if (leaks.length > 0) throw leakError(objectId, leaks[0]!);
  }
}

export function leakError(objectId: string, leak: Leak): SunderError {
  const field = leak.path.join('.');
  return new SunderError('EXPORT_LEAK', `export object ${objectId}: field ${field} holds a ${leak.kind} of a subject in the vault; export stopped before the object was written`,
    { path: ['objects', objectId, ...leak.path] });
}
