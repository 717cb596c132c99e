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
import { normalizeCnId, normalizeEmail, normalizePhone } from '../id/normalize.js';
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
const DIGIT_RUN = /\+?\d(?:[\d\-‐‑‒–—.·()\s]*[\dXx])?/g;
const EMAIL = /[^\s@<>()[\]{},;:"'`]+@[^\s@<>()[\]{},;:"'`]+\.[^\s@<>()[\]{},;:"'`.]+/g;
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
  const s = text.normalize('NFKC');
  for (const m of s.matchAll(DIGIT_RUN)) {
    const run = m[0];
    addDigitCandidate(out, run);
    // Two identifiers written side by side ("13800138000 13900139000") join into one run that
    // is no identifier: each space-separated piece and each bare digit run is tried as well.
    const pieces = run.split(/\s+/);
    if (pieces.length > 1) for (const p of pieces) addDigitCandidate(out, p);
    for (const bare of run.match(/\d+[Xx]?/g) ?? []) {
      if (bare !== run) addDigitCandidate(out, bare);
      // A mobile or resident ID glued to other digits: its 11- and 18-character windows.
      for (const width of [11, 15, 18]) {
        if (bare.length <= width) continue;
        for (let i = 0; i + width <= bare.length && i < MAX_WINDOWS; i++) addDigitCandidate(out, bare.slice(i, i + width));
      }
    }
  }
  for (const m of s.matchAll(EMAIL)) {
    const email = normalizeEmail(m[0]);
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

  constructor(private readonly indexer: BlindIndexer, private readonly vault: Pick<Vault, 'findSubjects'>) {}

  /** The leaks of one line (empty when clean): one vault query per line that has any token. */
  async leaksOf(line: Record<string, unknown>): Promise<Leak[]> {
    this.lines++;
    const asked: { kind: IdentifierKind; digest: Uint8Array; key: string; path: (string | number)[] }[] = [];
    for (const field of fieldsOf(line, [])) {
      for (const t of identifierTokens(field.text)) {
        const digest = this.indexer.digest(t.kind, t.normalised);
        asked.push({ kind: t.kind, digest, key: digestKey(t.kind, digest), path: field.path });
      }
    }
    if (asked.length === 0) return [];
    this.lookups += asked.length;
    const found = await this.vault.findSubjects(asked);
    if (found.size === 0) return [];
    const leaks: Leak[] = [];
    const seen = new Set<string>();
    for (const a of asked) {
      const where = `${a.kind}:${a.path.join('.')}`;
      if (found.has(a.key) && !seen.has(where)) {
        seen.add(where);
        leaks.push({ path: a.path, kind: a.kind });
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
