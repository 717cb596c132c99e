/**
 * Recipient-scoped ids (FORMAT.md "Recipient keys"). Each registered recipient's pseudonyms and
 * object ids are keyed by a key derived from the exporter's secret key with a labelled HKDF over
 * the recipient's name: the same recipient gets the same pseudonym for the same subject in every
 * delivery, two recipients get unrelated ones, and nothing new has to be stored or backed up.
 * The vault's pseudonym and object ids never leave: the tokens are keyed hashes of the subject id
 * and of the stored object ids, under a key only the exporter role can compute.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { scopedToken } from '../crypto/hmac.js';
import { BoundedMap } from '../pipeline/bounded-map.js';

const RECIPIENT_SALT = 'sunder/v1 recipient key';

/** The key a recipient's ids are derived with: HKDF-SHA256(exporter secret, salt, info = name). */
export function recipientKey(exporterSecretKey: Uint8Array, recipient: string): Buffer {
  return Buffer.from(hkdfSync('sha256', exporterSecretKey, RECIPIENT_SALT, `name\0${recipient}`, 32));
}

/** A key for one ad hoc export (no recipient named, none registered): joins with nothing. */
export function adHocKey(): Buffer {
  return randomBytes(32);
}

export class RecipientIds {
  /** A subject's pseudonym once per subject rather than one HMAC per record. */
  private readonly pseudonyms = new BoundedMap<string, string>(10_000);

  constructor(private readonly key: Uint8Array) {}

  /** `r_` + 22 base64url characters: told apart from the vault's `p_` pseudonyms at a glance. */
  pseudonym(subjectId: string): string {
    let t = this.pseudonyms.get(subjectId);
    if (t === undefined) this.pseudonyms.set(subjectId, (t = 'r_' + scopedToken(this.key, 'pseudonym', subjectId)));
    return t;
  }

  object(objectId: string): string {
    return scopedToken(this.key, 'object', objectId);
  }

  media(mediaId: string): string {
    return scopedToken(this.key, 'media', mediaId);
  }

  /** The key of the `token` mask operator in re-scanned text: per recipient too. */
  textTokenKey(): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, 'sunder/v1 export text token', '', 32));
  }
}
