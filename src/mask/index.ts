/**
 * Operators: how findings become output (detect is not transform). Every finding is replaced
 * by exactly one operator's output; the text between findings is copied unchanged.
 */
import { createHmac } from 'node:crypto';
import type { EntityKind, Finding } from '../detect/types.js';
import { SunderError as SunderError_ } from '../errors.js';
import { normalizeCnId as normalizeCnId_, normalizeEmail as normalizeEmail_, normalizeName as normalizeName_, normalizePhone as normalizePhone_, SEPARATORS as SEPARATORS_, toHalfWidth as toHalfWidth_ } from '../id/normalize.js';
import { displayMask as displayMask_ } from './display.js';
import { generalise as generalise_ } from './generalise.js';

// Module-local copies of imported bindings (a getter call per access under tsx).
const SunderError = SunderError_;
const normalizeCnId = normalizeCnId_;
const normalizeEmail = normalizeEmail_;
const normalizeName = normalizeName_;
const normalizePhone = normalizePhone_;
const toHalfWidth = toHalfWidth_;
const SEPARATORS = SEPARATORS_;
const displayMask = displayMask_;
const generalise = generalise_;

export { displayMask } from './display.js';
export { generalise } from './generalise.js';

/**
 * - `mask`: the display form of the kind (`138****8000`), or `display` from the config;
 * - `redact`: removed;
 * - `tag`: a typed tag, `[CN_ID]`;
 * - `token`: a keyed token, `[CN_ID:k5x2…]`, the same for the same value within a scope;
 * - `generalise`: a coarser value (`[CN_ID:Beijing,1940s]`, `138********`, `192.168.1.0/24`);
 * - `keep`: left as is (for kinds a policy explicitly allows).
 */
export type OperatorName = 'mask' | 'redact' | 'tag' | 'token' | 'generalise' | 'keep';

export interface OperatorConfig {
  /** Operator for kinds without their own entry. @default 'tag' */
  default?: OperatorName;
  /** Operator per kind. @example { EMAIL: 'mask', NAME: 'token' } */
  byKind?: Partial<Record<EntityKind, OperatorName>>;
  /** Display style per kind for `mask`, replacing the built-in one. */
  display?: Partial<Record<EntityKind, (value: string) => string>>;
  /** HMAC-SHA256 key for `token` (at least 16 bytes). Required when any kind uses `token`. */
  tokenKey?: Uint8Array | string;
  /**
   * Scope mixed into every token: a subject id gives tokens consistent within one subject, a
   * dataset id within one dataset; two scopes never share tokens. @default ''
   */
  tokenScope?: string;
  /** Token length in base-32 characters (5 bits each). @default 16 */
  tokenLength?: number;
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Canonical form for tokens: the same identifier in any spelling gives the same token. */
function canonical(kind: EntityKind, v: string): string {
  switch (kind) {
    case 'CN_ID':
    case 'CN_ID_PROBABLE':
      return normalizeCnId(v) ?? v;
    case 'PHONE':
      return normalizePhone(v) ?? v;
    case 'EMAIL':
      return normalizeEmail(v) ?? v;
    case 'NAME':
      return normalizeName(v).replace(/(?<=\p{Script=Han})\s+(?=\p{Script=Han})/gu, '');
    default:
      return toHalfWidth(v).replace(SEPARATORS, '').toUpperCase();
  }
}

/** The keyed token for one value: HMAC-SHA256(key, scope, kind, canonical value), never a plain hash. */
export function keyedToken(kind: EntityKind, value: string, key: Uint8Array | string, scope = '', length = 16): string {
  const mac = createHmac('sha256', key).update(`${scope}\u0000${kind}\u0000${canonical(kind, value)}`).digest();
  let out = '';
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < mac.length && out.length < length; i++) {
    acc = (acc << 8) | mac[i]!;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** Whether any kind is rewritten with `token` (so a token key is needed). Allocates nothing: it runs per call. */
export function usesToken(config: OperatorConfig): boolean {
  if (config.default === 'token') return true;
  const byKind = config.byKind;
  if (byKind !== undefined) for (const k in byKind) if (byKind[k] === 'token') return true;
  return false;
}

function checkConfig(config: OperatorConfig): void {
  if (!usesToken(config)) return;
  const k = config.tokenKey;
  const len = k === undefined ? 0 : typeof k === 'string' ? Buffer.byteLength(k) : k.length;
  if (len < 16) throw new SunderError('KEYS_MISSING', 'Expected `tokenKey` of at least 16 bytes for the token operator', { path: ['tokenKey'] });
  const tl = config.tokenLength ?? 16;
  if (!Number.isInteger(tl) || tl < 8 || tl > 51) throw new SunderError('CONFIG_INVALID', 'Expected `tokenLength` to be an integer from 8 to 51', { path: ['tokenLength'] });
}

const TAGS = new Map<EntityKind, string>();
/** `[KIND]`, built once per kind. */
function tagOf(kind: EntityKind): string {
  let t = TAGS.get(kind);
  if (t === undefined) {
    t = `[${kind}]`;
    if (TAGS.size < 256) TAGS.set(kind, t);
  }
  return t;
}

/** Replaces one value by the operator for its kind. */
export function applyOperator(kind: EntityKind, value: string, config: OperatorConfig = {}): string {
  const op = config.byKind?.[kind] ?? config.default ?? 'tag';
  switch (op) {
    case 'mask':
      return (config.display?.[kind] ?? ((v: string) => displayMask(kind, v)))(value);
    case 'redact':
      return '';
    case 'tag':
      return tagOf(kind);
    case 'token':
      return `[${kind}:${keyedToken(kind, value, config.tokenKey!, config.tokenScope ?? '', config.tokenLength ?? 16)}]`;
    case 'generalise':
      return generalise(kind, value);
    case 'keep':
      return value;
    default:
      throw new SunderError('CONFIG_INVALID', 'Expected an operator of mask, redact, tag, token, generalise or keep', { path: ['byKind', kind] });
  }
}

/**
 * Rewrites `text`, replacing each finding by its operator's output. Findings must be sorted by
 * start; one that overlaps the previous is folded into it (so a span is never rewritten twice).
 */
export function applyOperators(text: string, findings: readonly Finding[], config: OperatorConfig = {}): string {
  if (findings.length === 0) return text;
  checkConfig(config);
  let out = '';
  let pos = 0;
  let i = 0;
  while (i < findings.length) {
    const f = findings[i]!;
    const start = Math.max(f.start, pos);
    let end = f.end;
    i++;
    while (i < findings.length && findings[i]!.start < end) end = Math.max(end, findings[i++]!.end);
    if (end <= start) continue;
    out += text.slice(pos, start) + applyOperator(f.kind, text.slice(start, end), config);
    pos = end;
  }
  return out + text.slice(pos);
}
