/**
 * Sealing one accepted record: the CPU-heavy half of ingest (scan and mask the text, build the
 * business object and the identity entry, encrypt both). A pure function of its task plus
 * per-thread caches, so it runs the same on the main thread and in a worker.
 */
import { businessContext, identityContext } from '../crypto/contexts.js';
import { encryptObject, type SealContext } from '../crypto/format.js';
import { identityDigest } from '../crypto/hmac.js';
import { SubjectSecretRecipient, X25519Sender, type Recipient } from '../crypto/recipient.js';
import { randomId } from '../crypto/subject-keys.js';
import { publicFromSecret, secretKeyObject } from '../crypto/x25519.js';
import type { KnownMatcher } from '../detect/index.js';
import type { KnownValue } from '../detect/types.js';
import { displayMask } from '../mask/index.js';
import type { Policy } from '../record/policy.js';
import type { GatedRecord } from './gate.js';
import { ByteBoundedMap, bytesOf, stringBytes } from './byte-bounded-map.js';
import { cacheBudget, type SealerCacheBudget } from './cache-budget.js';
import { STAGE, stageEnd, stageMove, stageStart } from './stage-clock.js';
import { operatorsOf, Scrubber, scannerOptionsOf, scrubBusiness, type NameRejection } from './scrub.js';
import { canonicalIdentity, canonicalJson, identityEntryOf, knownValuesOf, quasiOf, type IdentityEntry, type Quasi } from './split.js';

/** What the pipeline knows about one stored media file, as listed in the business object. */
export interface StoredMedia {
  id: string;
  kind: string;
  format: string;
  mime: string;
  bytes: number;
  /** SHA-256 of the stripped plaintext. */
  sha256: string;
  width?: number;
  height?: number;
  durationMs?: number;
}

/** The business object as sealed in a segment; the exporter decrypts exactly this. */
export interface BusinessObject {
  v: 1;
  /** Random object id (base64url), also the object's slot in the vault. */
  id: string;
  pseudonym: string;
  project: string;
  collectedAt: string;
  quasi: Quasi;
  attributes: Record<string, unknown>;
  text: Record<string, string>;
  media: StoredMedia[];
  consent: { scopes: string[]; crossBorder: boolean; policyVersion: string };
}

export interface SealTask {
  gated: GatedRecord;
  subjectId: string;
  keyId: string;
  pseudonym: string;
  /** The subject's public key, or, for a subject so new its public key is not derived yet, its secret key. */
  publicKey?: Uint8Array;
  secretKey?: Uint8Array;
  /** The same for the subject's identity key (identity entries are sealed to it, officer only). */
  identityPublicKey?: Uint8Array;
  identitySecretKey?: Uint8Array;
  media: StoredMedia[];
}

export interface SealResult {
  /** Present when this identity snapshot was not sealed before in this thread's run. */
  identity?: { digest: Uint8Array; entry: Uint8Array };
  objectId: string;
  sealed: Uint8Array;
  /** The public keys derived from the task's secret keys, for the key store. */
  publicKey?: Uint8Array;
  identityPublicKey?: Uint8Array;
  /** Identifiers masked in the business text, by kind. */
  counts: Record<string, number>;
  /** Set when the record is refused (nothing was sealed: `sealed` is empty). */
  rejection?: NameRejection;
}

export interface RecordSealerOptions {
  indexKey: Uint8Array;
  policy: Policy;
  /** Key of the `token` operator (`textTokenKey`); needed when the policy's mask uses tokens. */
  tokenKey?: Uint8Array;
  /** This thread's cache bytes (cache-budget.ts). @default a 2-thread share of DEFAULT_CACHE_BYTES */
  cache?: SealerCacheBudget;
}

const setBytes = (s: Set<string>): number => {
  let n = 64 + 16 * s.size;
  for (const v of s) n += stringBytes(v);
  return n;
};

/**
 * Masked display forms for operators. Sealed inside the identity entry (format 2), never stored
 * beside it: a masked phone leaves 10^4 candidates, and whoever holds the blind-index key (every
 * ingest host) tells them apart in milliseconds (THREAT-MODEL.md).
 */
function displayOf(g: GatedRecord): Record<string, string> {
  const s = g.record.subject;
  const d: Record<string, string> = { name: displayMask('NAME', s.name) };
  if (g.ids.cnId !== undefined) d.idNumber = displayMask('CN_ID', g.ids.cnId);
  if (g.ids.phone !== undefined) d.phone = displayMask('PHONE', g.ids.phone);
  if (g.ids.email !== undefined) d.email = displayMask('EMAIL', g.ids.email);
  if (s.guardian !== undefined) d.guardian = displayMask('NAME', s.guardian.name);
  return d;
}

/** A subject's two recipients: business objects and media, and identity entries (officer only). */
interface SubjectRecipients {
  publicKey: Uint8Array;
  recipient: Recipient;
  identityPublicKey: Uint8Array;
  identityRecipient: Recipient;
}

/**
 * Seals `value` as JSON, encoded into a reused scratch buffer: `encryptObject` copies its
 * plaintext into the sealed object, so the bytes need not outlive the call, which saves a
 * ~1.5 KB allocation per sealed object. The scratch is zeroed after each use: an identity
 * entry's plaintext must not linger in it until the next object overwrites it.
 */
const encoder = new TextEncoder();
let scratch = new Uint8Array(64 * 1024);
function sealJson(recipient: Recipient, ctx: SealContext, value: unknown): Uint8Array {
  const json = JSON.stringify(value);
  // A UTF-16 unit is at most 3 bytes of UTF-8.
  if (json.length * 3 > scratch.length) scratch = new Uint8Array(json.length * 3);
  const plain = scratch.subarray(0, encoder.encodeInto(json, scratch).written);
  try {
    return encryptObject(recipient, ctx, plain);
  } finally {
    plain.fill(0);
  }
}

/** The identity entry as a list of `field=value` facts (consent excluded: it lives with each record). */
function factsOf(entry: IdentityEntry): string[] {
  const out: string[] = [];
  for (const k of Object.keys(entry)) {
    const v = entry[k as keyof IdentityEntry];
    if (k === 'v' || k === 'subjectId' || k === 'recordId' || k === 'consent' || v === undefined) continue;
    out.push(`${k}\0${typeof v === 'string' ? v : canonicalJson(v)}`);
  }
  return out;
}

export class RecordSealer {
  private readonly scrubber: Scrubber;
  /** One ephemeral key pair per thread and run; the shared key with each subject is cached in it. */
  private readonly sender: X25519Sender;
  /** keyId -> the subject's public keys and the recipients that wrap data keys to them. */
  private readonly recipients: ByteBoundedMap<string, SubjectRecipients>;
  /** Per subject: every identity fact (field and value) this thread has sealed in this run. */
  private readonly facts: ByteBoundedMap<string, Set<string>>;
  /**
   * Per subject: every known value met so far in this run, and the matcher compiled for them.
   * The largest cache by far: a matcher holds every folded form of the subject's values (about
   * a hundred bytes per form, `matcher.size` forms).
   */
  private readonly known: ByteBoundedMap<string, { values: Set<string>; matcher: KnownMatcher }>;

  constructor(private readonly options: RecordSealerOptions) {
    const budget = options.cache ?? cacheBudget().sealer;
    this.sender = new X25519Sender({ maxCached: budget.sharedKeys });
    this.recipients = new ByteBoundedMap(budget.recipients, (k, v) => 256 + stringBytes(k) + bytesOf(v.publicKey) + bytesOf(v.identityPublicKey));
    this.facts = new ByteBoundedMap(budget.facts, (k, v) => 64 + stringBytes(k) + setBytes(v));
    this.known = new ByteBoundedMap(budget.known, (k, v) => 1024 + stringBytes(k) + setBytes(v.values) + 112 * v.matcher.size);
    this.scrubber = new Scrubber(scannerOptionsOf(options.policy), operatorsOf(options.policy, options.tokenKey));
  }

  /**
   * One matcher per subject, grown to the union of the values their records carried: a later
   * record that mentions the phone its own record left out is still masked, and records that
   * carry subsets of known values reuse the compiled matcher. Growing it folds only the new
   * values (`extend`).
   */
  private matcherFor(subjectId: string, values: KnownValue[]): KnownMatcher | undefined {
    const hit = this.known.get(subjectId);
    let fresh: KnownValue[] | undefined;
    for (const v of values) {
      const k = `${v.kind}\0${v.value}`;
      if (hit !== undefined && hit.values.has(k)) continue;
      (fresh ??= []).push(v);
    }
    if (fresh === undefined) return hit?.matcher;
    const matcher = hit === undefined ? this.scrubber.scanner.compileKnown(fresh) : hit.matcher.extend(fresh);
    // Values are recorded only once a matcher holds them: a value counted but not compiled
    // would never be masked in the subject's later records.
    const seen = hit?.values ?? new Set<string>();
    for (const v of fresh) seen.add(`${v.kind}\0${v.value}`);
    this.known.set(subjectId, { values: seen, matcher });
    return matcher;
  }

  /**
   * The recipient for the task's subject. A new subject's task carries its secret key: one
   * import of it yields the public key (for the key store), and its data keys are wrapped with
   * subject-secret stanzas, so no X25519 with the run's ephemeral key is needed. The recipient
   * keeps only the key derived for those stanzas, which opens nothing but this subject's objects
   * of this run, which this process has just had in the clear anyway.
   */
  private recipientFor(task: SealTask): SubjectRecipients {
    const hit = this.recipients.get(task.keyId);
    if (hit !== undefined) return hit;
    const side = (secret: Uint8Array | undefined, pub: Uint8Array | undefined): { publicKey: Uint8Array; recipient: Recipient } => {
      if (secret !== undefined) return { publicKey: publicFromSecret(secretKeyObject(secret)), recipient: new SubjectSecretRecipient(secret) };
      if (pub !== undefined) return { publicKey: pub, recipient: this.sender.recipient(pub) };
      throw new Error('[sunder] a seal task carries neither a public nor a secret key for one of the subject\'s keys');
    };
    const business = side(task.secretKey, task.publicKey);
    const identity = side(task.identitySecretKey, task.identityPublicKey);
    const made = { ...business, identityPublicKey: identity.publicKey, identityRecipient: identity.recipient };
    this.recipients.set(task.keyId, made);
    return made;
  }

  seal(task: SealTask): SealResult {
    const clock = stageStart();
    try {
      return this.sealTimed(task);
    } finally {
      stageEnd(STAGE.seal, clock);
    }
  }

  /** `seal`, with the scan-and-mask part timed as `detect` and taken out of `seal`'s time. */
  private sealTimed(task: SealTask): SealResult {
    const { gated: g, policy } = { gated: task.gated, policy: this.options.policy };
    const result: Partial<SealResult> = {};
    const { publicKey, recipient, identityPublicKey, identityRecipient } = this.recipientFor(task);
    if (task.publicKey === undefined) result.publicKey = publicKey;
    if (task.identityPublicKey === undefined) result.identityPublicKey = identityPublicKey;

    // The business side first: a record refused for a name that holds an identifier seals nothing.
    const detectClock = stageStart();
    const matcher = this.matcherFor(task.subjectId, knownValuesOf(g));
    const counts: Record<string, number> = {};
    // Tokens agree within the subject (its pseudonym, stable across runs) or the project.
    const scope = policy.mask.tokenScope === 'project' ? `project\0${g.record.project}` : `subject\0${task.pseudonym}`;
    const scrubbed = scrubBusiness(this.scrubber, g.record, policy, matcher, counts, scope);
    // `seal` times the whole call: the scan-and-mask part moves from it to `detect`.
    if (detectClock >= 0) stageMove(STAGE.seal, STAGE.detect, stageStart() - detectClock);
    if ('rejection' in scrubbed) return { ...result, rejection: scrubbed.rejection, objectId: '', sealed: new Uint8Array(0), counts: {} };
    const { text, attributes } = scrubbed;

    // The identity side: sealed when the record tells something about the subject that this run
    // has not sealed yet. A record that repeats known facts (most of a subject's records carry
    // a subset of what their first one did) adds no entry; the officer reads the union.
    const entry = identityEntryOf(g, task.subjectId, policy);
    const facts = factsOf(entry);
    const known = this.facts.get(task.subjectId);
    if (known === undefined || facts.some((f) => !known.has(f))) {
      const digest = identityDigest(this.options.indexKey, canonicalIdentity(entry));
      const sealedEntry = sealJson(identityRecipient, { objectId: randomId(), keyId: task.keyId, context: identityContext(task.subjectId) }, { ...entry, display: displayOf(g) });
      result.identity = { digest, entry: sealedEntry };
      const merged = known ?? new Set<string>();
      for (const f of facts) merged.add(f);
      this.facts.set(task.subjectId, merged);
    }

    const objectIdBytes = randomId();
    const objectId = objectIdBytes.toString('base64url');
    const business: BusinessObject = {
      v: 1,
      id: objectId,
      pseudonym: task.pseudonym,
      project: g.record.project,
      collectedAt: g.record.collectedAt,
      quasi: quasiOf(g, policy),
      attributes,
      text,
      media: task.media,
      consent: { scopes: [...g.consent.scopes], crossBorder: g.consent.crossBorder, policyVersion: g.consent.policyVersion },
    };
    result.objectId = objectId;
    result.sealed = sealJson(recipient, { objectId: objectIdBytes, keyId: task.keyId, context: businessContext(2, task.pseudonym, g.record.project, g.record.recordId) }, business);
    result.counts = counts;
    return result as SealResult;
  }
}
