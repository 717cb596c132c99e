/**
 * Keyed hashes. Never a plain or salted hash: the resident-ID space (~10^11) and the mobile
 * space (~7x10^9) are brute-forced in minutes, so every digest over an identifier is an HMAC
 * under a key the attacker must also steal.
 */
import { createHmac } from 'node:crypto';

export type IdentifierKind = 'cn_id' | 'phone' | 'email';

/** Blind index over an already-normalised identifier; the kind is bound in so equal strings of two kinds differ. */
export function blindIndex(indexKey: Uint8Array, kind: IdentifierKind, normalised: string): Buffer {
  return createHmac('sha256', indexKey).update(`${kind}\0${normalised}`).digest();
}

/** The subject's business-side pseudonym: stable for a subject, unlinkable without the key. */
export function pseudonymOf(pseudonymKey: Uint8Array, subjectId: string): string {
  return 'p_' + createHmac('sha256', pseudonymKey).update(`pseudonym\0${subjectId}`).digest('base64url').slice(0, 22);
}

/** Digest of an identity snapshot, so re-ingesting the same identity adds no new vault entry. */
export function identityDigest(indexKey: Uint8Array, canonicalJson: string): Buffer {
  return createHmac('sha256', indexKey).update(`identity\0${canonicalJson}`).digest();
}

/** A keyed, scoped token: the same input gives the same token within one scope (an export, a dataset). */
export function scopedToken(key: Uint8Array, scope: string, value: string, length = 22): string {
  return createHmac('sha256', key).update(`${scope}\0${value}`).digest('base64url').slice(0, length);
}

/**
 * The key of the `token` operator for business text, derived from the pseudonym key under its
 * own label: held by the same role, never equal to it, and nothing else is keyed with it.
 */
export function textTokenKey(pseudonymKey: Uint8Array): Buffer {
  return createHmac('sha256', pseudonymKey).update('sunder/v1 text token key').digest();
}
