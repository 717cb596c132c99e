/**
 * Per-subject key pairs, two per subject (format 2): the business key (business objects and
 * media), wrapped to the officer and the exporter, and the identity key (identity entries and
 * their display forms), wrapped to the officer only, so the exporter key never opens an identity
 * entry. Each secret is wrapped and then forgotten: the ingest host creates it, wraps it, and
 * cannot open it again.
 *
 * The wrap is an X25519 stanza from the run's sender (ephemeral key pair of the run, shared key
 * with each role computed once per run), so a new subject costs 32 random bytes and two
 * secretboxes here, not two fresh sealed boxes. Its data keys in this run are wrapped with
 * subject-secret stanzas (recipient.ts), so no X25519 with the subject is needed either.
 */
import { SunderError } from '../errors.js';
import type { ReaderKeys } from './keys.js';
import { STANZA_X25519, systemRandom, X25519Identity, type X25519Sender } from './recipient.js';
import { x25519KeyPairFromSecretKey } from './x25519.js';

export interface NewSubjectKey {
  keyId: string;
  /**
   * The subject's secret key, kept in memory only until its public key has been derived (by
   * whichever thread seals the subject's first record), then dropped.
   */
  secretKey: Uint8Array;
  wrappedOfficer: Uint8Array;
  wrappedExporter: Uint8Array;
  /** The identity secret key, kept as briefly as {@link secretKey}. */
  identitySecretKey: Uint8Array;
  /** The identity secret key wrapped to the officer (the only role that gets it). */
  identityWrappedOfficer: Uint8Array;
}

/** A new subject's two secret keys, held until their public halves are derived. */
export interface SubjectSecrets {
  business: Uint8Array;
  identity: Uint8Array;
}

/** A subject's two public keys, as ingest wraps to them. */
export interface SubjectPublicKeys {
  business: Uint8Array;
  identity: Uint8Array;
}

/**
 * 16 random bytes (object ids, key ids) from the pooled CSPRNG: a call to randomBytes per id
 * costs ~6 µs, and ingest draws several per record.
 */
export function randomId(): Buffer {
  const r = systemRandom(16);
  return Buffer.from(r.buffer, r.byteOffset, r.byteLength);
}

/** A random key id: names the key in object headers and the key store, says nothing about anyone. */
export function newId(): string {
  return randomId().toString('base64url');
}

/**
 * A random id that sorts by creation time: 12 hex digits of milliseconds, then 80 random bits
 * (hex). For rows whose table already records when they were made (subjects, segments): new
 * ids land at the end of their b-tree indexes instead of on random pages, so a batch commit
 * writes a few pages instead of one per new subject (measured: the vault commit's write-out
 * halved on the mostly-new-subjects bench). Never for key ids, which object headers carry in
 * clear: there a creation time would say when the subject was first seen.
 */
export function newSortableId(now = Date.now()): string {
  const r = systemRandom(10);
  return now.toString(16).padStart(12, '0') + Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('hex');
}

/**
 * A new subject's keys: 2 x 32 random bytes; the business secret wrapped at once to both reading
 * roles, the identity secret to the officer only (one more secretbox under the run's cached
 * shared key: no X25519). The public halves are derived later by whichever thread seals the
 * subject's first record (`RecordSealer`), or by `publicKeyOf` when media need the business one first.
 */
export function createSubjectKey(sender: X25519Sender, roles: { officerPublicKey: Uint8Array; exporterPublicKey: Uint8Array }): NewSubjectKey {
  const secretKey = systemRandom(32);
  const identitySecretKey = systemRandom(32);
  const officer = sender.recipient(roles.officerPublicKey);
  const wrappedOfficer = officer.wrap(secretKey)[0]!.body;
  const wrappedExporter = sender.recipient(roles.exporterPublicKey).wrap(secretKey)[0]!.body;
  const identityWrappedOfficer = officer.wrap(identitySecretKey)[0]!.body;
  return { keyId: newId(), secretKey, wrappedOfficer, wrappedExporter, identitySecretKey, identityWrappedOfficer };
}

/** The public key of a subject secret key. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return x25519KeyPairFromSecretKey(secretKey).publicKey;
}

/** Which of a subject's two keys: `business` (business objects, media) or `identity` (identity entries). */
export type KeySide = 'business' | 'identity';

/** A reading role's view of subject keys: unwraps each subject's secret key once and keeps it. */
export class SubjectKeyring {
  private readonly role: X25519Identity;
  private readonly opened = new Map<string, X25519Identity>();

  constructor(roleKeys: ReaderKeys, private readonly maxCached = 10_000) {
    this.role = new X25519Identity(roleKeys.secretKey);
  }

  /** The subject's identity if its key was opened already (no key store lookup needed then). */
  cached(keyId: string, side: KeySide = 'business'): X25519Identity | undefined {
    return this.opened.get(side === 'business' ? keyId : `identity:${keyId}`);
  }

  /**
   * The subject's identity for decryption, from the wrapped key of `side`; KEYS_WRONG when the
   * wrap is not for this role key.
   */
  identity(keyId: string, wrapped: Uint8Array, side: KeySide = 'business'): X25519Identity {
    const slot = side === 'business' ? keyId : `identity:${keyId}`;
    const hit = this.opened.get(slot);
    if (hit !== undefined) return hit;
    const secret = this.role.unwrap([{ type: STANZA_X25519, body: wrapped }]);
    if (secret === null) {
      throw new SunderError('KEYS_WRONG', 'a subject key does not open with this role key: these are not the key files this store was written with');
    }
    const identity = new X25519Identity(secret, { maxCached: 64 });
    secret.fill(0);
    if (this.opened.size >= this.maxCached) this.opened.delete(this.opened.keys().next().value!);
    this.opened.set(slot, identity);
    return identity;
  }
}
