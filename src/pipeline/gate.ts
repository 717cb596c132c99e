/**
 * The static gate: everything that can be decided from the record alone, before the vault is
 * asked anything. A rejection here stores nothing, not even a subject.
 */
import { parseCnId, type CnIdParts } from '../id/cn-id.js';
import { normalizeCnId, normalizeEmail, normalizePhone } from '../id/normalize.js';
import type { RejectCode, RejectedOutcome } from '../record/outcome.js';
import { formatPath } from '../record/paths.js';
import type { Policy } from '../record/policy.js';
import { SCOPE_OF_MEDIA, type CollectedRecord, type Consent } from '../record/schema.js';

export interface NormalisedIds {
  cnId?: string;
  phone?: string;
  email?: string;
}

export interface GatedRecord {
  record: CollectedRecord;
  consent: Consent;
  ids: NormalisedIds;
  guardianIds: NormalisedIds;
  /** Full years at the calendar date of collection, or undefined when no birth date is known. */
  age: number | undefined;
  /** The calendar date of collection (`YYYY-MM-DD`) in collectedAt's own offset. */
  collectedOn: string;
  /**
   * True when the record shows no age and carries no guardian consent: it may be stored only if
   * the vault already knows its subject as 14 or over on an earlier collection date.
   */
  needsKnownAdult: boolean;
  birthDate: string | undefined;
  /** Province from the ID number's region code. */
  province: string | undefined;
  gender: string | undefined;
}

export type GateResult =
  | { ok: true; gated: GatedRecord }
  /** `withdrawnIds`: for CONSENT_WITHDRAWN, the subject's checked identifiers, to find and mark the subject. */
  | { ok: false; rejection: Omit<RejectedOutcome, 'index'>; withdrawnIds?: NormalisedIds };

function reject(record: CollectedRecord, code: RejectCode, path: (string | number)[], reason: string): Extract<GateResult, { ok: false }> {
  return { ok: false, rejection: { status: 'rejected', recordId: record.recordId, code, path: formatPath(path), reason } };
}

/** Full years between a `YYYY-MM-DD` birth date and a `YYYY-MM-DD` day. */
export function fullYears(birthDate: string, onDate: string): number {
  const years = Number(onDate.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return onDate.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

/** A checked identifier, normalised; for an ID number also its parts (parsed once per record). */
type IdCheck = { ok: true; value: string | undefined; parts?: CnIdParts } | { ok: false; code: RejectCode; reason: string };

function checkCnId(raw: string | undefined, collectedOn: string): IdCheck {
  if (raw === undefined) return { ok: true, value: undefined };
  const n = normalizeCnId(raw);
  if (n === undefined) return { ok: false, code: 'ID_NUMBER_INVALID', reason: 'expected 18 characters (17 digits and a check digit or X) or 15 digits' };
  const parts = parseCnId(n);
  if (!parts.checksumValid) return { ok: false, code: 'ID_NUMBER_INVALID', reason: 'the check character does not match (ISO 7064 MOD 11-2)' };
  if (parts.birthDate === undefined || parts.birthDate > collectedOn) {
    return { ok: false, code: 'ID_NUMBER_INVALID', reason: 'the birth date inside the ID number is not a real date before collection' };
  }
  if (parts.province === undefined) return { ok: false, code: 'ID_NUMBER_INVALID', reason: 'the region code names no province' };
  return { ok: true, value: n, parts };
}

function checkPhone(raw: string | undefined): IdCheck {
  if (raw === undefined) return { ok: true, value: undefined };
  const n = normalizePhone(raw);
  return n === undefined ? { ok: false, code: 'PHONE_INVALID', reason: 'expected 5 to 20 digits, optionally with + and separators' } : { ok: true, value: n };
}

function checkEmail(raw: string | undefined): IdCheck {
  if (raw === undefined) return { ok: true, value: undefined };
  const n = normalizeEmail(raw);
  return n === undefined ? { ok: false, code: 'EMAIL_INVALID', reason: 'expected local@domain.tld' } : { ok: true, value: n };
}

export function gateRecord(record: CollectedRecord, policy: Policy): GateResult {
  const consent = record.consent;
  if (consent === undefined) return reject(record, 'CONSENT_MISSING', ['consent'], 'no consent block: nothing is stored without consent');
  // The calendar date of collection in the collector's own offset: ages turn over at local midnight.
  const collectedOn = record.collectedAt.slice(0, 10);

  const s = record.subject;
  const ids: NormalisedIds = {};
  const guardianIds: NormalisedIds = {};
  const subjectId = checkCnId(s.idNumber, collectedOn);
  const checks: [IdCheck, (string | number)[], NormalisedIds, keyof NormalisedIds][] = [
    [subjectId, ['subject', 'idNumber'], ids, 'cnId'],
    [checkPhone(s.phone), ['subject', 'phone'], ids, 'phone'],
    [checkEmail(s.email), ['subject', 'email'], ids, 'email'],
    [checkCnId(s.guardian?.idNumber, collectedOn), ['subject', 'guardian', 'idNumber'], guardianIds, 'cnId'],
    [checkPhone(s.guardian?.phone), ['subject', 'guardian', 'phone'], guardianIds, 'phone'],
    [checkEmail(s.guardian?.email), ['subject', 'guardian', 'email'], guardianIds, 'email'],
  ];
  for (const [check, path, target, key] of checks) {
    if (!check.ok) return reject(record, check.code, path, check.reason);
    if (check.value !== undefined) target[key] = check.value;
  }
  if (ids.cnId === undefined && ids.phone === undefined && ids.email === undefined) {
    return reject(record, 'SUBJECT_UNIDENTIFIED', ['subject'], 'expected at least one of idNumber, phone, email');
  }

  // Checked before age and scope: a withdrawal must take effect even on an otherwise faulty record.
  if (consent.withdrawnAt !== undefined) {
    return { ...reject(record, 'CONSENT_WITHDRAWN', ['consent', 'withdrawnAt'], 'consent was withdrawn: the record is not processed'), withdrawnIds: ids };
  }

  const idParts = subjectId.ok ? subjectId.parts : undefined;
  const birthDate = s.birthDate ?? idParts?.birthDate;
  if (birthDate !== undefined && birthDate > collectedOn) {
    return reject(record, 'SCHEMA_INVALID', ['subject', 'birthDate'], 'expected a birth date before collection');
  }
  const age = birthDate === undefined ? undefined : fullYears(birthDate, collectedOn);
  // A record that shows no age is let through the static gate only provisionally: the subject
  // must already be known to the vault as verified 14 or over at an earlier collection
  // (resolution checks `adultSince`). Otherwise it counts as a child's.
  const needsGuardian = age !== undefined && age < policy.minorAge;
  if (needsGuardian || (age === undefined && consent.guardianConsent)) {
    if (!consent.guardianConsent) {
      return reject(record, 'MINOR_NO_GUARDIAN_CONSENT', ['consent', 'guardianConsent'], `under ${policy.minorAge} at collection: a guardian's consent is needed`);
    }
    if (s.guardian === undefined) {
      return reject(record, 'MINOR_NO_GUARDIAN_CONSENT', ['subject', 'guardian'], `under ${policy.minorAge} at collection: the consenting guardian must be named`);
    }
  }

  const scopes = new Set(consent.scopes);
  for (const [field, text] of Object.entries(record.business.text)) {
    if (text.length > 0 && !scopes.has('text')) return reject(record, 'CONSENT_SCOPE', ['business', 'text', field], 'consent does not cover the `text` scope');
  }
  for (const [i, m] of record.business.media.entries()) {
    const need = SCOPE_OF_MEDIA[m.kind];
    if (!scopes.has(need)) return reject(record, 'CONSENT_SCOPE', ['business', 'media', i, 'kind'], `consent does not cover the \`${need}\` scope`);
  }

  return {
    ok: true,
    gated: {
      record, consent, ids, guardianIds, age, birthDate, collectedOn,
      needsKnownAdult: age === undefined && !consent.guardianConsent && policy.unknownAge === 'guardian',
      province: idParts?.province,
      gender: s.gender ?? idParts?.sex,
    },
  };
}
