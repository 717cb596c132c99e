/**
 * Finding a person for a rights request: by an identifier, normalised exactly as ingest does
 * and looked up through the blind indexes, or by the vault's own pseudonym or subject id. With
 * `asGuardian`, the identifier is the guardian's own, and the children whose records named
 * that guardian are found. Errors name the identifier's kind, never its value.
 */
import { SUBJECT_ID } from '../audit/entry.js';
import type { BlindIndexer } from '../crypto/blind-index.js';
import type { IdentifierKind } from '../crypto/hmac.js';
import { SunderError } from '../errors.js';
import { isValidCnId, normalizeCnId, normalizeEmail, normalizePhone } from '../id/normalize.js';
import type { SubjectRow, Vault } from '../vault/vault.js';

/** Exactly one identifier of the person. */
export type SubjectQuery =
  | { idNumber: string }
  | { phone: string }
  | { email: string }
  | { pseudonym: string }
  | { subjectId: string };

export type QueryKind = 'idNumber' | 'phone' | 'email' | 'pseudonym' | 'subjectId';

/** How each kind is named in messages (the value never is). */
export const QUERY_LABEL: Record<QueryKind, string> = {
  idNumber: 'ID number', phone: 'phone number', email: 'email address', pseudonym: 'pseudonym', subjectId: 'subject id',
};

const PSEUDONYM = /^p_[A-Za-z0-9_-]{22}$/;

/** The one kind a query carries; IDENTIFIER_INVALID when none or several are given. */
export function queryKind(query: SubjectQuery): QueryKind {
  const given = (Object.keys(QUERY_LABEL) as QueryKind[]).filter((k) => (query as Record<string, unknown>)[k] !== undefined);
  if (given.length !== 1) {
    throw new SunderError('IDENTIFIER_INVALID', 'expected exactly one of --id-number, --phone, --email, --pseudonym, --subject-id', { path: ['query'] });
  }
  return given[0]!;
}

/** A normalised identifier for the blind index, or IDENTIFIER_INVALID naming the kind. */
export function normaliseQuery(kind: 'idNumber' | 'phone' | 'email', raw: string): { kind: IdentifierKind; value: string } {
  const bad = (why: string) => new SunderError('IDENTIFIER_INVALID', `the ${QUERY_LABEL[kind]} given is malformed: ${why}`, { path: [kind] });
  if (typeof raw !== 'string') throw bad('expected text');
  if (kind === 'idNumber') {
    const n = normalizeCnId(raw);
    if (n === undefined) throw bad('expected 18 characters (17 digits and a check digit or X) or 15 digits');
    if (!isValidCnId(n)) throw bad('the check character does not match (ISO 7064 MOD 11-2)');
    return { kind: 'cn_id', value: n };
  }
  if (kind === 'phone') {
    const n = normalizePhone(raw);
    if (n === undefined) throw bad('expected 5 to 20 digits, optionally with + and separators');
    return { kind: 'phone', value: n };
  }
  const n = normalizeEmail(raw);
  if (n === undefined) throw bad('expected local@domain.tld');
  return { kind: 'email', value: n };
}

/**
 * Checks the query's shape (before any store is touched): a malformed identifier is a usage
 * error however the stores look.
 */
export function checkQuery(query: SubjectQuery, asGuardian = false): QueryKind {
  const kind = queryKind(query);
  const value = (query as Record<string, string>)[kind]!;
  if (asGuardian && (kind === 'pseudonym' || kind === 'subjectId')) {
    throw new SunderError('IDENTIFIER_INVALID', 'a guardian is found by their own ID number, phone or email, not by a pseudonym or subject id', { path: [kind] });
  }
  if (kind === 'subjectId' && !SUBJECT_ID.test(value)) throw new SunderError('IDENTIFIER_INVALID', 'the subject id given is malformed: expected 32 hex digits', { path: [kind] });
  if (kind === 'pseudonym' && !PSEUDONYM.test(value)) throw new SunderError('IDENTIFIER_INVALID', 'the pseudonym given is malformed: expected p_ and 22 characters', { path: [kind] });
  if (kind === 'idNumber' || kind === 'phone' || kind === 'email') normaliseQuery(kind, value);
  return kind;
}

export interface Found {
  kind: QueryKind;
  /** One subject, or (as a guardian) each child found. Erased subjects are included, marked so. */
  subjects: SubjectRow[];
}

/**
 * The subject(s) a query names; SUBJECT_NOT_FOUND (naming the kind) when there is none. A
 * subject known only by a tombstone (erased) is found with status `erased`.
 */
export async function findSubjects(vault: Vault, indexer: () => Promise<BlindIndexer>, query: SubjectQuery, asGuardian = false): Promise<Found> {
  const kind = checkQuery(query, asGuardian);
  const value = (query as Record<string, string>)[kind]!;
  let subjects: SubjectRow[] = [];
  if (kind === 'subjectId') {
    const s = await vault.subject(value);
    if (s !== undefined) subjects = [s];
  } else if (kind === 'pseudonym') {
    const s = await vault.subjectByPseudonym(value);
    if (s !== undefined) subjects = [s];
  } else {
    const n = normaliseQuery(kind, value);
    const digest = (await indexer()).digest(n.kind, n.value);
    if (asGuardian) subjects = await vault.childrenOf([{ kind: n.kind, digest }]);
    else subjects = [...(await vault.findSubjects([{ kind: n.kind, digest }])).values()];
  }
  if (subjects.length === 0) {
    throw new SunderError('SUBJECT_NOT_FOUND', asGuardian
      ? `no child is recorded with a guardian of that ${QUERY_LABEL[kind]}`
      : `no subject found for that ${QUERY_LABEL[kind]}`, { path: [kind] });
  }
  return { kind, subjects };
}
