/**
 * Which records an export carries, and which of their fields (FORMAT.md "Export selection").
 *
 * Before anything is decrypted, a record is left out when its subject is withdrawn, erased or
 * held for review, or when the export crosses a border and the record's consent does not allow
 * it. After decryption, each field is kept only when the scope it needs is granted, not
 * withdrawn since, and among the export's `--scopes`: text needs `text`, a media file the
 * scope of its kind (audio: voice, video: video; an image: image and/or portrait, see
 * scopesOfMedia). Fields
 * outside are dropped, not the record: a voice dataset does not lose a recording because its
 * transcript is not wanted. A record whose every text and media field was dropped is left out
 * (SCOPE, or SCOPE_WITHDRAWN when a withdrawal emptied it): its attributes describe what it
 * carried and do not go out alone. A record that never had text or media needs no scope for
 * its attributes and goes as it is.
 */
import { CONSENT_SCOPES, SCOPE_OF_MEDIA, type ConsentScope, type MediaKind } from '../record/schema.js';
import { SunderError } from '../errors.js';
import type { BusinessObject } from '../pipeline/seal.js';
import type { ExportRow } from '../vault/vault.js';

/** Why a record was left out; the summary and the audit entry count them by these codes. */
export type ExclusionCode =
  | 'WITHDRAWN' | 'ERASED' | 'REVIEW' | 'CROSS_BORDER' | 'KEY_SHREDDED' | 'SCOPE' | 'SCOPE_WITHDRAWN' | 'K_ANONYMITY';

export const EXCLUSION_CODES: readonly ExclusionCode[] = [
  'WITHDRAWN', 'ERASED', 'REVIEW', 'CROSS_BORDER', 'KEY_SHREDDED', 'SCOPE', 'SCOPE_WITHDRAWN', 'K_ANONYMITY',
];

export type Exclusions = Record<ExclusionCode, number>;

export function noExclusions(): Exclusions {
  return Object.fromEntries(EXCLUSION_CODES.map((c) => [c, 0])) as Exclusions;
}

export interface Selection {
  /** Scopes the export may carry (`--scopes`); every scope when not given. */
  scopes: ReadonlySet<ConsentScope>;
  /** True when the recipient's jurisdiction is not the collection's. */
  crossBorder: boolean;
}

/** `voice,text` -> the set; an unknown scope is a usage error naming its position. */
export function parseScopes(list: readonly string[] | undefined): ReadonlySet<ConsentScope> {
  if (list === undefined) return new Set(CONSENT_SCOPES);
  const out = new Set<ConsentScope>();
  list.forEach((s, i) => {
    if (!(CONSENT_SCOPES as readonly string[]).includes(s)) {
      throw new SunderError('CONFIG_INVALID', `scopes: entry ${i + 1} is not a consent scope; expected some of ${CONSENT_SCOPES.join(', ')}`, { path: ['scopes', i] });
    }
    out.add(s as ConsentScope);
  });
  if (out.size === 0) throw new SunderError('CONFIG_INVALID', 'scopes: name at least one consent scope', { path: ['scopes'] });
  return out;
}

/** The reason a row may not go, decided from the vault row alone (nothing decrypted yet). */
export function rowExclusion(row: ExportRow, selection: Selection): ExclusionCode | undefined {
  if (row.status === 'erased') return 'ERASED';
  if (row.status === 'withdrawn') return 'WITHDRAWN';
  if (row.review !== null) return 'REVIEW';
  if (selection.crossBorder && !row.crossBorder) return 'CROSS_BORDER';
  return undefined;
}

/**
 * The scopes that may have covered a stored media file at ingest. The object records the file's
 * sniffed class, not the kind it was declared as, so an `image` file may be an image or a
 * portrait: it goes only when every one of the two the record granted still may (erring on
 * the subject's side: a withdrawn portrait scope holds back the record's images too).
 */
export function scopesOfMedia(kind: string): readonly ConsentScope[] {
  if (kind === 'image') return ['image', 'portrait'];
  const one = (SCOPE_OF_MEDIA as Record<string, ConsentScope>)[kind as MediaKind];
  return one === undefined ? [] : [one];
}

export interface FieldsKept {
  text: boolean;
  media: BusinessObject['media'];
  /** Fields (the text as one, each media file) dropped because their scope may not go. */
  dropped: number;
  /** Set when nothing is left: the record is left out for this reason. */
  exclusion?: ExclusionCode;
}

/** Which of the object's fields may go, under the row's consent, its withdrawals and the export's scopes. */
export function keptFields(row: ExportRow, obj: BusinessObject, selection: Selection): FieldsKept {
  const granted = new Set(row.scopes.split('|'));
  const withdrawn = new Set(row.withdrawnScopes);
  let byWithdrawal = 0;
  const allowed = (candidates: readonly ConsentScope[]): boolean => {
    const relevant = candidates.filter((c) => granted.has(c));
    if (relevant.length === 0 || relevant.some((c) => !selection.scopes.has(c))) return false;
    if (relevant.some((c) => withdrawn.has(c))) {
      byWithdrawal++;
      return false;
    }
    return true;
  };
  const hasText = Object.keys(obj.text).length > 0;
  const text = hasText && allowed(['text']);
  const media = obj.media.filter((m) => allowed(scopesOfMedia(m.kind)));
  const dropped = (hasText && !text ? 1 : 0) + obj.media.length - media.length;
  const kept: FieldsKept = { text, media, dropped };
  if (dropped > 0 && !text && media.length === 0) kept.exclusion = byWithdrawal > 0 ? 'SCOPE_WITHDRAWN' : 'SCOPE';
  return kept;
}
