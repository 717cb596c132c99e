/**
 * One ingest batch, in three steps that the ingest loop overlaps across batches:
 *
 *   prepare  parse, validate, gate, find duplicates, resolve subjects (main thread, in order)
 *   seal     media first, then scan, mask and encrypt every accepted record (both cores)
 *   commit   write what was sealed, in the order that makes a crash harmless:
 *              1. pending marks (vault)   - names every object and key about to be written
 *              2. subject keys (key store), the segment (object store)
 *              3. vault commit            - THE commit point: rows, blind indexes, identities,
 *                                           and the removal of the pending marks, in one transaction
 *            (media objects are written during seal, after their own pending marks.)
 *
 * A crash before 3 leaves only things named by pending marks; the next run deletes them
 * (recovery.ts) and re-ingests the batch. A crash after 3 left a complete batch.
 *
 * While batch k seals and commits, batch k+1 is prepared. It must see what k will store: the
 * record ids, the subjects k creates, the withdrawals and ages k records. The `Inflight` overlay
 * holds those until k's commit is visible in the vault.
 */
import { LocalBlindIndexer, type BlindIndexer } from '../crypto/blind-index.js';
import { pseudonymOf, type IdentifierKind } from '../crypto/hmac.js';
import type { IngestKeys } from '../crypto/keys.js';
import type { X25519Recipient, X25519Sender } from '../crypto/recipient.js';
import { createSubjectKey, newSortableId, publicKeyOf, randomId, type NewSubjectKey, type SubjectPublicKeys, type SubjectSecrets } from '../crypto/subject-keys.js';
import { isSunderError } from '../errors.js';
import type { AuthenticatedKeyStore } from '../keystore/authenticated.js';
import type { Outcome, RejectCode, RejectedOutcome } from '../record/outcome.js';
import type { Policy } from '../record/policy.js';
import { SCOPE_OF_MEDIA, type MediaRef } from '../record/schema.js';
import { validateRecord } from '../record/validate.js';
import { SegmentBuilder } from '../store/segment.js';
import type { ObjectStore } from '../store/object-store.js';
import type { BlindIndexRow, IdentityRow, MediaRow, RecordRow, SubjectRow, Vault, VaultBatch } from '../vault/vault.js';
import { digestKey } from '../vault/vault.js';
import { gateRecord, type GatedRecord, type NormalisedIds } from './gate.js';
import { type SealResult, type StoredMedia } from './seal.js';
import type { SealerPool } from './sealer-pool.js';
import type { SourceItem } from './sources.js';
import type { ByteBoundedMap } from './byte-bounded-map.js';
import type { Inflight } from './inflight.js';
import { failpoint } from './failpoints.js';
import { RecordIdGuard } from '../detect/record-id.js';
import { subjectValuesOf } from './split.js';
import { STAGE, stageEnd, stageStart } from './stage-clock.js';

export type { StoredMedia } from './seal.js';

/** Strips, encrypts and stores one media file; throws a SunderError MEDIA_* to reject the record. */
export interface MediaStep {
  /** `pseudonym`, `project` and `recordId` bind the object to its record (contexts.ts). */
  store(ref: MediaRef, target: { objectKey: string; objectId: Buffer; keyId: string; recipient: X25519Recipient; pseudonym: string; project: string; recordId: string }): Promise<StoredMedia>;
  /** Waits for queued work and removes temp files. */
  close?(): Promise<void>;
}

export interface BatchDeps {
  vault: Vault;
  /** Checks each key row's MAC before a public key is wrapped to (KEYSTORE_TAMPERED). */
  keystore: AuthenticatedKeyStore;
  store: ObjectStore;
  keys: IngestKeys;
  policy: Policy;
  /** Wraps new subjects' secret keys to the roles, and media data keys to subjects. */
  sender: X25519Sender;
  sealer: SealerPool;
  runId: string;
  /** Absent: records with media are rejected `MEDIA_UNSUPPORTED`; media is never stored unscrubbed. */
  media?: MediaStep;
  /** keyId -> subject public keys (business, identity), bounded. */
  publicKeys: ByteBoundedMap<string, SubjectPublicKeys>;
  /** keyId -> secret keys of a new subject whose public keys are not derived yet. */
  newSecrets: Map<string, SubjectSecrets>;
  /** `${kind}\0${normalised identifier}` -> its blind-index digest, bounded. */
  blindDigests: ByteBoundedMap<string, BlindDigest>;
  inflight: Inflight;
  /** Computes blind-index digests (a KMS/HSM in some deployments). @default the index key of `keys` */
  indexer?: BlindIndexer;
}

export interface BatchResult {
  outcomes: Outcome[];
  newSubjects: number;
}

interface Slot {
  index: number;
  recordId?: string;
  outcome?: Outcome;
  gated?: GatedRecord;
  /** For a record that withdraws consent: its identifiers, to find and mark the subject. */
  withdrawIds?: NormalisedIds;
  digests: BlindDigest[];
  subject?: SubjectRow;
  blind: BlindIndexRow[];
  /** True for the record that created its subject. */
  createdSubject?: boolean;
  /** The collection date this record proves the subject 14 or over on, if it moves adultSince earlier. */
  adultSince?: string;
  media?: StoredMedia[];
  sealed?: SealResult;
}

export interface PreparedBatch {
  seq: number;
  slots: Slot[];
  accepted: Slot[];
  created: Map<string, { row: SubjectRow; key: NewSubjectKey }>;
  withdrawn: string[];
  segmentId: string;
  mediaPlan: Map<Slot, { ref: MediaRef; objectId: Buffer; objectKey: string }[]>;
  /** Pending refs already written (media, before their objects). */
  pendingWritten: string[];
}

function rejected(slot: Slot, code: RejectCode, path: string, reason: string): RejectedOutcome {
  return { status: 'rejected', index: slot.index, ...(slot.recordId === undefined ? {} : { recordId: slot.recordId }), code, path, reason };
}

/** A blind-index digest, with its map key (`digestKey`) computed once. */
export interface BlindDigest {
  kind: IdentifierKind;
  digest: Buffer;
  key: string;
}

/**
 * The digest of one normalised identifier. A subject's records repeat their identifiers, so the
 * digests are remembered for the run (bounded): an HMAC costs ~3-4 µs and a record has up to
 * three, a tenth of a returning subject's whole CPU budget per record.
 */
function blindDigest(deps: BatchDeps, kind: IdentifierKind, normalised: string): BlindDigest {
  const cacheKey = `${kind}\0${normalised}`;
  let d = deps.blindDigests.get(cacheKey);
  if (d === undefined) {
    const raw = (deps.indexer ??= new LocalBlindIndexer(deps.keys.indexKey)).digest(kind, normalised);
    const digest = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    d = { kind, digest, key: digestKey(kind, digest) };
    deps.blindDigests.set(cacheKey, d);
  }
  return d;
}

function digestsOf(deps: BatchDeps, ids: NormalisedIds): BlindDigest[] {
  const out: BlindDigest[] = [];
  if (ids.cnId !== undefined) out.push(blindDigest(deps, 'cn_id', ids.cnId));
  if (ids.phone !== undefined) out.push(blindDigest(deps, 'phone', ids.phone));
  if (ids.email !== undefined) out.push(blindDigest(deps, 'email', ids.email));
  return out;
}

const recordIdGuards = new WeakMap<IngestKeys, RecordIdGuard>();
function recordIdGuardOf(keys: IngestKeys): RecordIdGuard {
  let g = recordIdGuards.get(keys);
  if (g === undefined) recordIdGuards.set(keys, (g = new RecordIdGuard(keys.pseudonymKey)));
  return g;
}

/** Parses, validates, gates and resolves a batch; registers what it will store in the overlay. */
export async function prepareBatch(deps: BatchDeps, items: SourceItem[]): Promise<PreparedBatch> {
  const clock = stageStart();
  try {
    return await prepareBatchTimed(deps, items);
  } finally {
    stageEnd(STAGE.gate, clock);
  }
}

async function prepareBatchTimed(deps: BatchDeps, items: SourceItem[]): Promise<PreparedBatch> {
  const { vault, keys, policy, inflight } = deps;
  const seq = inflight.begin();
  const slots: Slot[] = items.map((item) => ({ index: item.index, digests: [], blind: [] }));
  const guard = recordIdGuardOf(keys);

  // 1. Parse, validate and gate: decided from each record alone.
  items.forEach((item, i) => {
    const slot = slots[i]!;
    if ('parseError' in item) {
      slot.outcome = { ...rejected(slot, item.code ?? 'PARSE_ERROR', item.path ?? '', item.parseError), ...(item.line === undefined ? {} : { line: item.line }) };
      return;
    }
    const v = validateRecord(item.value);
    if (!v.ok) {
      slot.outcome = { ...v.rejection, index: slot.index };
      if (v.rejection.recordId !== undefined) {
        slot.recordId = guard.shown(v.rejection.recordId, subjectValuesOf(item.value));
        slot.outcome.recordId = slot.recordId;
      }
      return;
    }
    // A record id that looks personal is stored and printed as its keyed hash (record-id.ts).
    v.record.recordId = guard.shown(v.record.recordId, subjectValuesOf(v.record));
    slot.recordId = v.record.recordId;
    const g = gateRecord(v.record, policy);
    if (!g.ok) {
      slot.outcome = { ...g.rejection, index: slot.index };
      if (g.withdrawnIds !== undefined) slot.withdrawIds = g.withdrawnIds;
      return;
    }
    if (g.gated.record.business.media.length > 0 && deps.media === undefined) {
      slot.outcome = rejected(slot, 'MEDIA_UNSUPPORTED', 'business.media', 'media de-identification is not enabled; media is never stored unscrubbed');
      return;
    }
    slot.gated = g.gated;
  });

  // 2. Idempotence: a record id already stored (or about to be, by a batch in flight) is a
  // duplicate, whatever it holds now.
  // (A line that did not parse has no record id: only validated or schema-rejected records do.)
  const validIds = slots.filter((s) => s.recordId !== undefined).map((s) => s.recordId!);
  const existing = validIds.length > 0 ? await vault.existingRecords(validIds) : new Set<string>();
  for (const slot of slots) {
    if (slot.recordId === undefined) continue;
    if (existing.has(slot.recordId) || inflight.records.has(slot.recordId)) {
      slot.outcome = { status: 'duplicate', index: slot.index, recordId: slot.recordId };
      slot.gated = undefined;
      slot.withdrawIds = undefined;
    }
  }

  // 3. Blind indexes, looked up in one query for the batch.
  for (const slot of slots) {
    if (slot.gated !== undefined) slot.digests = digestsOf(deps, slot.gated.ids);
    else if (slot.withdrawIds !== undefined) slot.digests = digestsOf(deps, slot.withdrawIds);
  }
  const allDigests = slots.flatMap((s) => s.digests);
  const known = allDigests.length > 0 ? await vault.findSubjects(allDigests) : new Map<string, SubjectRow>();

  // Scopes the known subjects withdrew later (`sunder withdraw --scopes`): refused from now on.
  const knownIds = [...new Set([...known.values()].filter((r) => r.status === 'active').map((r) => r.subjectId))];
  const withdrawnScopes = knownIds.length > 0 ? await vault.withdrawnScopes(knownIds) : new Map<string, string[]>();

  // 4. Resolve subjects in input order: a record sees the subjects earlier records created.
  const created = new Map<string, { row: SubjectRow; key: NewSubjectKey }>();
  const withdrawn: string[] = [];
  const lookup = (k: string) => inflight.subjects.get(k) ?? known.get(k);
  for (const slot of slots) {
    if (slot.withdrawIds !== undefined) {
      for (const d of slot.digests) {
        const row = lookup(d.key);
        if (row !== undefined && !withdrawn.includes(row.subjectId)) {
          withdrawn.push(row.subjectId);
          inflight.status.set(row.subjectId, 'withdrawn');
          inflight.touchSubject(seq, row.subjectId);
        }
      }
      continue;
    }
    if (slot.gated === undefined) continue;
    const matches = new Map<string, SubjectRow>();
    for (const d of slot.digests) {
      const row = lookup(d.key);
      if (row !== undefined) matches.set(row.subjectId, row);
    }
    if (matches.size > 1) {
      slot.outcome = rejected(slot, 'SUBJECT_CONFLICT', 'subject', 'the identifiers belong to different subjects; not merged');
      slot.gated = undefined;
      continue;
    }
    let row = matches.values().next().value as SubjectRow | undefined;
    const g = slot.gated;
    // Erased, but the record's consent was given after the erasure: the person came back and
    // agreed anew, so they are collected as a new subject (the tombstone stays for the old one).
    if (row !== undefined && row.erasedAt !== undefined && !inflight.status.has(row.subjectId) && Date.parse(g.consent.grantedAt) > Date.parse(row.erasedAt)) {
      row = undefined;
    }
    if (row !== undefined) {
      const st = inflight.status.get(row.subjectId) ?? row.status;
      if (st !== 'active') {
        slot.outcome = rejected(slot, st === 'erased' ? 'SUBJECT_ERASED' : 'SUBJECT_WITHDRAWN', 'subject',
          st === 'erased' ? 'the subject was erased' : 'the subject withdrew consent');
        slot.gated = undefined;
        continue;
      }
    }
    const withdrawnScope = row === undefined ? undefined : withdrawnScopes.get(row.subjectId)?.find((sc) => neededScopes(g).has(sc));
    if (withdrawnScope !== undefined) {
      slot.outcome = rejected(slot, 'SCOPE_WITHDRAWN', 'consent.scopes', `the subject withdrew the \`${withdrawnScope}\` scope`);
      slot.gated = undefined;
      continue;
    }
    const adultSince = row === undefined ? null : (inflight.adult.get(row.subjectId) ?? row.adultSince);
    if (g.needsKnownAdult && (adultSince === null || adultSince > g.collectedOn)) {
      slot.outcome = rejected(slot, 'MINOR_NO_GUARDIAN_CONSENT', 'consent.guardianConsent',
        `no birth date or ID number shows an age, and the subject is not known to be ${policy.minorAge} or over: a guardian's consent is needed`);
      slot.gated = undefined;
      continue;
    }
    if (row === undefined) {
      const subjectId = newSortableId();
      const key = createSubjectKey(deps.sender, keys);
      row = { subjectId, keyId: key.keyId, pseudonym: pseudonymOf(keys.pseudonymKey, subjectId), status: 'active', adultSince: null };
      created.set(subjectId, { row, key });
      deps.newSecrets.set(key.keyId, { business: key.secretKey, identity: key.identitySecretKey });
      slot.createdSubject = true;
    }
    if (g.age !== undefined && g.age >= policy.minorAge && (adultSince === null || g.collectedOn < adultSince)) {
      inflight.adult.set(row.subjectId, g.collectedOn);
      inflight.touchSubject(seq, row.subjectId);
      slot.adultSince = g.collectedOn;
    }
    slot.subject = row;
    inflight.addRecord(seq, g.record.recordId);
    for (const d of slot.digests) {
      const hit = lookup(d.key);
      // A tombstoned digest of a person collected again under a new consent is indexed anew.
      if (hit === undefined || (hit.erasedAt !== undefined && hit.subjectId !== row.subjectId)) {
        inflight.addSubjectDigest(seq, d.key, row);
        slot.blind.push({ kind: d.kind, digest: d.digest, subjectId: row.subjectId });
      }
    }
  }

  // 5. Public keys of existing subjects, for wrapping their data keys.
  const missing = [...new Set(slots.filter((s) => s.subject !== undefined && !deps.publicKeys.has(s.subject.keyId) && !deps.newSecrets.has(s.subject.keyId)).map((s) => s.subject!.keyId))];
  if (missing.length > 0) {
    const found = await deps.keystore.publicKeys(missing);
    for (const [id, pk] of found) deps.publicKeys.set(id, pk);
  }

  const accepted = slots.filter((s) => s.subject !== undefined && s.gated !== undefined);
  const mediaPlan = new Map<Slot, { ref: MediaRef; objectId: Buffer; objectKey: string }[]>();
  for (const slot of accepted) {
    const refs = slot.gated!.record.business.media;
    if (refs.length > 0) {
      mediaPlan.set(slot, refs.map((ref) => {
        const objectId = randomId();
        return { ref, objectId, objectKey: `media/${objectId.toString('base64url')}` };
      }));
    }
  }
  return { seq, slots, accepted, created, withdrawn, segmentId: newSortableId(), mediaPlan, pendingWritten: [] };
}

/**
 * Removes the media objects a batch that will not commit stored, and clears its pending marks
 * (the media marks, and `extra` marks the caller removed the objects of).
 */
export async function discardBatch(deps: BatchDeps, prepared: PreparedBatch, extra: string[] = []): Promise<void> {
  for (const plan of prepared.mediaPlan.values()) for (const m of plan) await deps.store.delete(m.objectKey);
  await deps.vault.clearPending([...prepared.pendingWritten, ...extra]);
}

/** The consent scopes a gated record uses: `text` for non-empty text, each media kind's scope. */
function neededScopes(g: GatedRecord): Set<string> {
  const out = new Set<string>();
  for (const text of Object.values(g.record.business.text)) if (text.length > 0) out.add('text');
  for (const m of g.record.business.media) out.add(SCOPE_OF_MEDIA[m.kind]);
  return out;
}

/** True when the batch's outcome can change after prepare (a media file may be rejected). */
export function hasMedia(prepared: PreparedBatch): boolean {
  return prepared.mediaPlan.size > 0;
}

/** The subject's public keys, deriving them here if only the new subject's secret keys are known. */
function subjectPublicKey(deps: BatchDeps, keyId: string): SubjectPublicKeys {
  let pk = deps.publicKeys.get(keyId);
  if (pk === undefined) {
    const secret = deps.newSecrets.get(keyId);
    if (secret === undefined) throw new Error(`[sunder] the key store has no public key for a subject the vault knows (key ${keyId}): the stores are out of step`);
    pk = { business: publicKeyOf(secret.business), identity: publicKeyOf(secret.identity) };
    learnPublicKey(deps, keyId, pk);
  }
  return pk;
}

function learnPublicKey(deps: BatchDeps, keyId: string, publicKey: SubjectPublicKeys): void {
  deps.publicKeys.set(keyId, publicKey);
  // Not zeroed: a task already built for another thread may still hold this very array.
  deps.newSecrets.delete(keyId);
}

/** What a seal task needs of the subject's keys: the public keys, or a new subject's secrets. */
function keyFor(deps: BatchDeps, keyId: string): { publicKey: Uint8Array; identityPublicKey: Uint8Array } | { secretKey: Uint8Array; identitySecretKey: Uint8Array } {
  const secret = deps.publicKeys.has(keyId) ? undefined : deps.newSecrets.get(keyId);
  if (secret !== undefined) return { secretKey: secret.business, identitySecretKey: secret.identity };
  const pk = subjectPublicKey(deps, keyId);
  return { publicKey: pk.business, identityPublicKey: pk.identity };
}

/** Strips and stores media (after their pending marks), then seals every accepted record. */
export async function sealBatch(deps: BatchDeps, prepared: PreparedBatch): Promise<void> {
  if (prepared.mediaPlan.size > 0) {
    const refs = [...prepared.mediaPlan.values()].flat().map((m) => `object:${m.objectKey}`);
    await deps.vault.addPending(refs.map((ref) => ({ ref, runId: deps.runId })));
    prepared.pendingWritten.push(...refs);
    await Promise.all([...prepared.mediaPlan].map(async ([slot, plan]) => {
      const row = slot.subject!;
      const recipient = deps.sender.recipient(subjectPublicKey(deps, row.keyId).business);
      const record = slot.gated!.record;
      const done: StoredMedia[] = [];
      for (const [i, m] of plan.entries()) {
        try {
          done.push(await deps.media!.store(m.ref, { objectKey: m.objectKey, objectId: m.objectId, keyId: row.keyId, recipient, pseudonym: row.pseudonym, project: record.project, recordId: record.recordId }));
        } catch (err) {
          if (!isSunderError(err) || !err.code.startsWith('MEDIA_')) throw err;
          for (const p of plan) await deps.store.delete(p.objectKey);
          slot.outcome = rejected(slot, 'MEDIA_REJECTED', `business.media.${i}.path`, `${err.code}: ${err.message.replace(/^\[sunder\] /, '')}`);
          return;
        }
      }
      slot.media = done;
    }));
    failpoint('after-media');
  }
  const toSeal = prepared.accepted.filter((s) => s.outcome === undefined);
  // A batch with media is finished before the next one is prepared (see ingest.ts): the
  // calling thread only waits for it, so it helps seal at once.
  const results = await deps.sealer.sealAll(toSeal.map((slot) => ({
    gated: slot.gated!,
    subjectId: slot.subject!.subjectId,
    keyId: slot.subject!.keyId,
    pseudonym: slot.subject!.pseudonym,
    ...keyFor(deps, slot.subject!.keyId),
    media: slot.media ?? [],
  })), { urgent: prepared.mediaPlan.size > 0 });
  toSeal.forEach((slot, i) => {
    const r = results[i]!;
    if (r.publicKey !== undefined && r.identityPublicKey !== undefined) learnPublicKey(deps, slot.subject!.keyId, { business: r.publicKey, identity: r.identityPublicKey });
    // Refused while scrubbing (a name holds an identifier): nothing was sealed for it.
    if (r.rejection !== undefined) slot.outcome = rejected(slot, r.rejection.code, r.rejection.path, r.rejection.reason);
    else slot.sealed = r;
  });
}

/** Writes keys and the segment, then commits: the batch's commit point. */
export async function commitBatch(deps: BatchDeps, prepared: PreparedBatch): Promise<BatchResult> {
  const { vault } = deps;
  const { slots, created, segmentId } = prepared;
  const segmentKey = `segments/${segmentId}`;
  const stored = prepared.accepted.filter((s) => s.sealed !== undefined);
  const usedSubjects = new Set(stored.map((s) => s.subject!.subjectId));
  const newSubjects = [...created.values()].filter((c) => usedSubjects.has(c.row.subjectId));

  const pendingRefs = [...(stored.length > 0 ? [`object:${segmentKey}`] : []), ...newSubjects.map((c) => `key:${c.key.keyId}`)];
  let clock = stageStart();
  if (pendingRefs.length > 0) await vault.addPending(pendingRefs.map((ref) => ({ ref, runId: deps.runId })));
  failpoint('after-pending');

  const segment = new SegmentBuilder();
  const identities: IdentityRow[] = [];
  const records: RecordRow[] = [];
  const media: MediaRow[] = [];
  const blindIndexes: BlindIndexRow[] = [];
  for (const slot of stored) {
    const g = slot.gated!;
    const row = slot.subject!;
    const sealed = slot.sealed!;
    if (sealed.identity !== undefined) {
      identities.push({ subjectId: row.subjectId, digest: sealed.identity.digest, entry: sealed.identity.entry, recordId: g.record.recordId });
    }
    const at = segment.append(sealed.sealed);
    records.push({
      recordId: g.record.recordId, subjectId: row.subjectId, objectId: sealed.objectId, project: g.record.project, collectedAt: g.record.collectedAt,
      segmentId, offset: at.offset, length: at.length, scopes: g.consent.scopes.join('|'), crossBorder: g.consent.crossBorder,
      policyVersion: g.consent.policyVersion,
    });
    for (const m of slot.media ?? []) media.push({ objectId: m.id, recordId: g.record.recordId, kind: m.kind, format: m.format, bytes: m.bytes });
    slot.outcome = { status: 'stored', index: slot.index, recordId: g.record.recordId, objectId: sealed.objectId, newSubject: slot.createdSubject === true, detections: sealed.counts };
  }

  // A subject's blind indexes come from every accepted record that resolved to it, stored or
  // not, as long as one of its records is stored: a later record of the batch may have found
  // the subject only by a digest that a record rejected for its media carried.
  for (const slot of prepared.accepted) {
    if (slot.blind.length > 0 && usedSubjects.has(slot.subject!.subjectId)) blindIndexes.push(...slot.blind);
  }
  // The guardian a stored record names, indexed under the guardian's own identifiers
  // (`--as-guardian`); repeats are ignored by the vault.
  const guardianIndexes: BlindIndexRow[] = [];
  for (const slot of stored) {
    for (const d of digestsOf(deps, slot.gated!.guardianIds)) guardianIndexes.push({ kind: d.kind, digest: d.digest, subjectId: slot.subject!.subjectId });
  }

  // Only stored records may vouch for an age; a new subject's row carries its date directly.
  const adultSince = new Map<string, string>();
  for (const slot of stored) {
    if (slot.adultSince === undefined) continue;
    const prev = adultSince.get(slot.subject!.subjectId);
    if (prev === undefined || slot.adultSince < prev) adultSince.set(slot.subject!.subjectId, slot.adultSince);
  }
  for (const c of newSubjects) c.row.adultSince = adultSince.get(c.row.subjectId) ?? null;

  await deps.keystore.put(newSubjects.map((c) => {
    const pk = subjectPublicKey(deps, c.key.keyId);
    return { keyId: c.key.keyId, publicKey: pk.business, wrappedOfficer: c.key.wrappedOfficer, wrappedExporter: c.key.wrappedExporter,
      identityPublicKey: pk.identity, identityWrappedOfficer: c.key.identityWrappedOfficer };
  }));
  failpoint('after-keys');
  const segments = [];
  if (records.length > 0) {
    await deps.store.put(segmentKey, segment.toBuffer());
    segments.push({ segmentId, objectKey: segmentKey, records: records.length, bytes: segment.bytes });
  }
  failpoint('after-segment');
  stageEnd(STAGE.store, clock);
  const batch: VaultBatch = {
    runId: deps.runId,
    subjects: newSubjects.map((c) => c.row),
    blindIndexes,
    identities,
    records,
    media,
    segments,
    adultSince: [...adultSince].filter(([id]) => !created.has(id)).map(([subjectId, date]) => ({ subjectId, date })),
    withdrawn: prepared.withdrawn,
    clearPending: [...prepared.pendingWritten, ...pendingRefs],
    guardianIndexes,
  };
  clock = stageStart();
  try {
    await vault.commit(batch);
  } catch (err) {
    // Another host committed one of these subjects or records first (VAULT_CONFLICT), or took
    // this run for dead (VAULT_FENCED): nothing of the batch is in the vault, so what it wrote
    // is an orphan, removed here rather than left to recovery. The queue prepares it again.
    if (isSunderError(err, 'VAULT_CONFLICT') || isSunderError(err, 'VAULT_FENCED')) {
      if (records.length > 0) await deps.store.delete(segmentKey);
      await deps.keystore.delete(newSubjects.map((c) => c.key.keyId));
      await discardBatch(deps, prepared, pendingRefs);
    }
    throw err;
  }
  stageEnd(STAGE.commit, clock);
  deps.inflight.committedBatch(prepared.seq);
  failpoint('after-commit');
  // Keys made for subjects whose every record failed were never stored; nothing to undo.

  return { outcomes: slots.map((s) => s.outcome ?? rejected(s, 'INTERNAL', '', 'no outcome was decided (a bug)')), newSubjects: newSubjects.length };
}
