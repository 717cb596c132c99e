/**
 * The split: which part of a record goes to the sealed identity entry, which to the
 * pseudonymised business object, what is generalised on the way and what is dropped.
 */
import type { KnownValue } from '../detect/types.js';
import type { Policy } from '../record/policy.js';
import type { GatedRecord } from './gate.js';

/** One subject's identity as the vault seals it (the officer reads it back). */
export interface IdentityEntry {
  v: 1;
  subjectId: string;
  recordId: string;
  name: string;
  gender?: string;
  birthDate?: string;
  idNumber?: string;
  phone?: string;
  email?: string;
  guardian?: { name: string; relation: string; idNumber?: string; phone?: string; email?: string };
  consent: { policyVersion: string; grantedAt: string; scopes: string[]; crossBorder: boolean; guardianConsent: boolean };
  /** Business attributes the policy maps to the identity side. */
  attributes?: Record<string, unknown>;
}

export interface Quasi {
  /** Age band at collection, e.g. `30-34`; `unknown` when no birth date was given. */
  ageBand: string;
  birthYear?: number;
  province?: string;
  gender?: string;
}

export function ageBand(age: number | undefined, width: number): string {
  if (age === undefined) return 'unknown';
  const lo = Math.floor(age / width) * width;
  return width === 1 ? String(lo) : `${lo}-${lo + width - 1}`;
}

export function quasiOf(g: GatedRecord, policy: Policy): Quasi {
  const q: Quasi = { ageBand: ageBand(g.age, policy.quasi.ageBandYears) };
  if (policy.quasi.birthYear && g.birthDate !== undefined) q.birthYear = Number(g.birthDate.slice(0, 4));
  if (policy.quasi.province && g.province !== undefined) q.province = g.province;
  if (policy.quasi.gender && g.gender !== undefined) q.gender = g.gender;
  return q;
}

export function identityEntryOf(g: GatedRecord, subjectId: string, policy: Policy): IdentityEntry {
  const s = g.record.subject;
  const c = g.consent;
  const entry: IdentityEntry = {
    v: 1,
    subjectId,
    recordId: g.record.recordId,
    name: s.name,
    consent: { policyVersion: c.policyVersion, grantedAt: c.grantedAt, scopes: [...c.scopes], crossBorder: c.crossBorder, guardianConsent: c.guardianConsent },
  };
  if (s.gender !== undefined) entry.gender = s.gender;
  if (g.birthDate !== undefined) entry.birthDate = g.birthDate;
  if (g.ids.cnId !== undefined) entry.idNumber = g.ids.cnId;
  if (g.ids.phone !== undefined) entry.phone = g.ids.phone;
  if (g.ids.email !== undefined) entry.email = g.ids.email;
  if (s.guardian !== undefined) {
    entry.guardian = { name: s.guardian.name, relation: s.guardian.relation };
    if (g.guardianIds.cnId !== undefined) entry.guardian.idNumber = g.guardianIds.cnId;
    if (g.guardianIds.phone !== undefined) entry.guardian.phone = g.guardianIds.phone;
    if (g.guardianIds.email !== undefined) entry.guardian.email = g.guardianIds.email;
  }
  const moved = Object.entries(g.record.business.attributes).filter(([k]) => Object.hasOwn(policy.attributes, k) && policy.attributes[k] === 'identity');
  if (moved.length > 0) entry.attributes = Object.fromEntries(moved);
  return entry;
}

/**
 * Every identity value of the subject and their guardian, as given and as normalised, for the
 * known-value matcher: a subject's own phone in their SMS is masked even where no generic
 * recognizer would call it a phone number.
 */
export function knownValuesOf(g: GatedRecord): KnownValue[] {
  const s = g.record.subject;
  const out: KnownValue[] = [];
  const add = (kind: string, value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') out.push({ kind, value });
  };
  add('NAME', s.name);
  add('CN_ID', s.idNumber);
  add('CN_ID', g.ids.cnId);
  add('PHONE', s.phone);
  add('PHONE', g.ids.phone);
  add('EMAIL', s.email);
  add('EMAIL', g.ids.email);
  if (s.guardian !== undefined) {
    add('NAME', s.guardian.name);
    add('CN_ID', s.guardian.idNumber);
    add('CN_ID', g.guardianIds.cnId);
    add('PHONE', s.guardian.phone);
    add('PHONE', g.guardianIds.phone);
    add('EMAIL', s.guardian.email);
    add('EMAIL', g.guardianIds.email);
  }
  // Duplicates (a value given already normalised) would only cost matcher time.
  const seen = new Set<string>();
  return out.filter((k) => {
    const key = `${k.kind}\0${k.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The identity values a record (valid or not) names for its subject and guardian, as given: what
 * a record id must not contain (`RecordIdGuard`). Reads a raw value defensively.
 */
export function subjectValuesOf(record: unknown): KnownValue[] {
  const out: KnownValue[] = [];
  const subject = typeof record === 'object' && record !== null ? (record as { subject?: unknown }).subject : undefined;
  const take = (who: unknown) => {
    if (typeof who !== 'object' || who === null) return;
    const w = who as Record<string, unknown>;
    for (const [field, kind] of [['name', 'NAME'], ['idNumber', 'CN_ID'], ['phone', 'PHONE'], ['email', 'EMAIL']] as const) {
      const v = w[field];
      if (typeof v === 'string' && v.trim() !== '') out.push({ kind, value: v });
    }
  };
  take(subject);
  if (typeof subject === 'object' && subject !== null) take((subject as { guardian?: unknown }).guardian);
  return out;
}

/** JSON with object keys sorted at every depth: equal values give equal bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Canonical JSON of the identity snapshot, for the identity digest: same person, same bytes. */
export function canonicalIdentity(entry: IdentityEntry): string {
  const { recordId: _r, subjectId: _s, consent: _c, ...rest } = entry;
  return canonicalJson(rest);
}
