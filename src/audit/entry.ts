/**
 * What an audit entry may hold, checked before anything is written. An entry says who (a role
 * and an operator's login name), did what (an action from a fixed list), to which targets
 * (generated ids only: subject ids, run ids, export ids, request ids, pseudonyms; plus record
 * ids, recipient and project names, which are the company's own labels), with what outcome and
 * counts. It never holds a value from a person's record: subject ids are random (time + 80
 * random bits, `newSortableId`), never derived from anything personal, and every free-form
 * label is run through the detection engine and refused if it looks like an identifier.
 */
import { createScanner, type Scanner } from '../detect/index.js';
import { SunderError } from '../errors.js';

export const AUDIT_ACTIONS = [
  'ingest-run', 'export', 'access', 'correct', 'erase', 'withdraw', 'cancel', 'purge', 'compact',
  'key-use', 'key-change', 'incident', 'request-open', 'request-close', 'audit-verify',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ROLES = ['ingest', 'officer', 'exporter', 'auditor', 'system'] as const;
export type AuditRole = (typeof AUDIT_ROLES)[number];

export type AuditOutcome = 'ok' | 'refused' | 'failed';

export interface AuditTarget {
  /** Subject ids (32 hex digits, random). */
  subjects?: string[];
  pseudonyms?: string[];
  records?: string[];
  runs?: string[];
  exports?: string[];
  requests?: string[];
  recipients?: string[];
  projects?: string[];
}

/** What a caller appends; `seq`, `time` and the chain fields are the log's to fill. */
export interface AuditEntryInput {
  actor: { role: AuditRole; operator?: string };
  action: AuditAction;
  target?: AuditTarget;
  outcome: AuditOutcome;
  /** Error code when the outcome is `refused` or `failed`. */
  code?: string;
  /** Non-negative integer counts (records stored, objects skipped, ...). */
  counts?: Record<string, number>;
  /** SHA-256 (hex) of what the action produced, e.g. an export's manifest. */
  digest?: string;
}

export interface AuditEntry extends AuditEntryInput {
  seq: number;
  /** ISO 8601, UTC. */
  time: string;
  /** Base64url HMAC of the entry before (the genesis value for entry 1). */
  prev: string;
  /** Base64url HMAC-SHA256(audit key, prev || canonical entry without `mac`). */
  mac: string;
}

export const SUBJECT_ID = /^[0-9a-f]{32}$/;
const PSEUDONYM = /^p_[A-Za-z0-9_-]{22}$/;
const GENERATED_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** The record schema's own rule for record ids and project names. */
const LABEL = /^[A-Za-z0-9._:-]{1,128}$/;
/** A login name: no `@` (not an email), no spaces (not a full name). */
export const OPERATOR = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const COUNT_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,31}$/;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Targets in one entry; a purge of more subjects writes several entries. */
export const MAX_TARGETS = 10_000;

const TARGET_RULES: Record<keyof AuditTarget, { pattern: RegExp; scan: boolean }> = {
  subjects: { pattern: SUBJECT_ID, scan: false },
  pseudonyms: { pattern: PSEUDONYM, scan: false },
  runs: { pattern: GENERATED_ID, scan: false },
  exports: { pattern: GENERATED_ID, scan: false },
  requests: { pattern: GENERATED_ID, scan: false },
  // Labels someone typed: a record id or a recipient name could carry a phone number.
  records: { pattern: LABEL, scan: true },
  recipients: { pattern: LABEL, scan: true },
  projects: { pattern: LABEL, scan: true },
};
const TARGET_KEYS = Object.keys(TARGET_RULES) as (keyof AuditTarget)[];

let scanner: Scanner | undefined;

/** True when the detection engine finds an identifier (phone, ID number, email, name, ...) in `text`. */
export function looksPersonal(text: string): boolean {
  scanner ??= createScanner();
  if (scanner.scan(text).length > 0) return true;
  // Again with separators as spaces, so that `rec-13800138000` is scanned as words, as a person reads it.
  const spaced = text.replace(/[._:-]/g, ' ');
  return spaced !== text && scanner.scan(spaced).length > 0;
}

function invalid(message: string, path: (string | number)[]): SunderError {
  return new SunderError('AUDIT_ENTRY_INVALID', message, { path });
}

/** Checks an entry's caller-given fields; throws AUDIT_ENTRY_INVALID naming the field, never echoing it. */
export function checkEntryInput(e: AuditEntryInput): void {
  if (e === null || typeof e !== 'object') throw invalid('expected an audit entry object', []);
  if (!AUDIT_ROLES.includes(e.actor?.role)) throw invalid(`expected \`actor.role\` to be one of ${AUDIT_ROLES.join(', ')}`, ['actor', 'role']);
  if (e.actor.operator !== undefined) {
    if (typeof e.actor.operator !== 'string' || !OPERATOR.test(e.actor.operator)) {
      throw invalid('expected `actor.operator` to be a login name (letters, digits, . _ -; up to 64)', ['actor', 'operator']);
    }
    if (looksPersonal(e.actor.operator)) throw invalid('`actor.operator` looks like personal data; use a login name', ['actor', 'operator']);
  }
  if (!AUDIT_ACTIONS.includes(e.action)) throw invalid(`expected \`action\` to be one of ${AUDIT_ACTIONS.join(', ')}`, ['action']);
  if (!['ok', 'refused', 'failed'].includes(e.outcome)) throw invalid('expected `outcome` to be ok, refused or failed', ['outcome']);
  if (e.code !== undefined && (typeof e.code !== 'string' || !CODE.test(e.code))) throw invalid('expected `code` to be an error code (A-Z, 0-9, _)', ['code']);
  if (e.target !== undefined) {
    if (e.target === null || typeof e.target !== 'object') throw invalid('expected `target` to be an object', ['target']);
    let total = 0;
    for (const key of Object.keys(e.target)) {
      if (!(TARGET_KEYS as string[]).includes(key)) throw invalid(`unknown target kind; expected one of ${TARGET_KEYS.join(', ')}`, ['target', key]);
      const rule = TARGET_RULES[key as keyof AuditTarget];
      const values = e.target[key as keyof AuditTarget];
      if (!Array.isArray(values)) throw invalid('expected a list of ids', ['target', key]);
      total += values.length;
      values.forEach((v, i) => {
        if (typeof v !== 'string' || !rule.pattern.test(v)) throw invalid(`expected \`target.${key}\` entries in the ${key} id format`, ['target', key, i]);
        if (rule.scan && looksPersonal(v)) throw invalid(`\`target.${key}\` entry looks like personal data; audit entries name things by id`, ['target', key, i]);
      });
    }
    if (total > MAX_TARGETS) throw invalid(`expected at most ${MAX_TARGETS} targets in one entry`, ['target']);
  }
  if (e.digest !== undefined && (typeof e.digest !== 'string' || !/^[0-9a-f]{64}$/.test(e.digest))) {
    throw invalid('expected `digest` to be a SHA-256 in hex', ['digest']);
  }
  if (e.counts !== undefined) {
    if (e.counts === null || typeof e.counts !== 'object') throw invalid('expected `counts` to be an object', ['counts']);
    for (const [k, n] of Object.entries(e.counts)) {
      if (!COUNT_NAME.test(k)) throw invalid('expected count names of letters, digits and _', ['counts']);
      if (!Number.isSafeInteger(n) || n < 0) throw invalid(`expected \`counts.${k}\` to be a non-negative integer`, ['counts', k]);
    }
  }
}

/** JSON with object keys sorted at every level: one byte string per entry, whatever built it. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The caller's fields only, copied (no stray properties reach the log). */
export function pickInput(e: AuditEntryInput): AuditEntryInput {
  const target: AuditTarget = {};
  for (const k of TARGET_KEYS) if (e.target?.[k] !== undefined && e.target[k]!.length > 0) target[k] = [...e.target[k]!];
  return {
    actor: { role: e.actor.role, ...(e.actor.operator === undefined ? {} : { operator: e.actor.operator }) },
    action: e.action,
    ...(Object.keys(target).length === 0 ? {} : { target }),
    outcome: e.outcome,
    ...(e.code === undefined ? {} : { code: e.code }),
    ...(e.counts === undefined || Object.keys(e.counts).length === 0 ? {} : { counts: { ...e.counts } }),
    ...(e.digest === undefined ? {} : { digest: e.digest }),
  };
}
