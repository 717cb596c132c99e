/**
 * One ingest batch, end to end. The order of writes is what makes a crash harmless:
 *
 *   1. pending marks (vault)   - names every object and key about to be written
 *   2. subject keys (key store), media objects and the segment (object store)
 *   3. vault commit            - THE commit point: rows, blind indexes, identities, and the
 *                                removal of the pending marks, in one transaction
 *
 * A crash before 3 leaves only things named by pending marks; the next run deletes them
 * (recovery.ts) and re-ingests the batch. A crash after 3 left a complete batch.
 */
import { encryptObject } from '../crypto/format.js';
import { blindIndex, identityDigest, pseudonymOf, type IdentifierKind } from '../crypto/hmac.js';
import type { IngestKeys } from '../crypto/keys.js';
import { systemRandom, type X25519Recipient, type X25519Sender } from '../crypto/recipient.js';
import { createSubjectKey, newId, type NewSubjectKey } from '../crypto/subject-keys.js';
import { isSunderError } from '../errors.js';
import { normalizeCnId, normalizeEmail, normalizePhone } from '../id/normalize.js';
import type { KeyStore } from '../keystore/keystore.js';
import { displayMask } from '../mask/index.js';
import type { Outcome, RejectCode, RejectedOutcome } from '../record/outcome.js';
import type { Policy } from '../record/policy.js';
import type { MediaRef } from '../record/schema.js';
import { validateRecord } from '../record/validate.js';
import { SegmentBuilder } from '../store/segment.js';
import type { ObjectStore } from '../store/object-store.js';
import type { BlindIndexRow, IdentityRow, MediaRow, RecordRow, SubjectRow, Vault, VaultBatch } from '../vault/vault.js';
import { digestKey } from '../vault/vault.js';
import { gateRecord, type GatedRecord, type NormalisedIds } from './gate.js';
import type { Scrubber } from './scrub.js';
import type { SourceItem } from './sources.js';
import { canonicalIdentity, identityEntryOf, knownValuesOf, quasiOf } from './split.js';

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

/** Strips, encrypts and stores one media file; throws a SunderError MEDIA_* to reject the record. */
export interface MediaStep {
  store(ref: MediaRef, target: { objectKey: string; objectId: Buffer; keyId: string; recipient: X25519Recipient; pseudonym: string }): Promise<StoredMedia>;
  /** Waits for queued work and removes temp files. */
  close?(): Promise<void>;
}

export interface BatchDeps {
  vault: Vault;
  keystore: KeyStore;
  store: ObjectStore;
  keys: IngestKeys;
  policy: Policy;
  scrubber: Scrubber;
  sender: X25519Sender;
  runId: string;
  /** Absent: records with media are rejected `MEDIA_UNSUPPORTED`; media is never stored unscrubbed. */
  media?: MediaStep;
  /** Per-run caches, bounded. */
  caches: RunCaches;
}

export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.max) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

export interface RunCaches {
  /** keyId -> subject public key. */
  publicKeys: BoundedMap<string, Uint8Array>;
  /** `${subjectId}:${identity digest}` already sealed this run. */
  identities: BoundedMap<string, true>;
}

export function newRunCaches(): RunCaches {
  return { publicKeys: new BoundedMap(200_000), identities: new BoundedMap(200_000) };
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
  digests: { kind: IdentifierKind; digest: Buffer }[];
  subject?: SubjectRow;
  blind: BlindIndexRow[];
  /** True for the record that created its subject. */
  createdSubject?: boolean;
  /** The collection date this record proves the subject 14 or over on, if it moves adultSince earlier. */
  adultSince?: string;
}

/** 16 random bytes from the crypto module's pooled CSPRNG (one syscall per ~1,000 ids). */
function randomId(): Buffer {
  const r = systemRandom(16);
  return Buffer.from(r.buffer, r.byteOffset, r.byteLength);
}

function rejected(slot: Slot, code: RejectCode, path: string, reason: string): RejectedOutcome {
  return { status: 'rejected', index: slot.index, ...(slot.recordId === undefined ? {} : { recordId: slot.recordId }), code, path, reason };
}

function digestsOf(keys: IngestKeys, ids: NormalisedIds): { kind: IdentifierKind; digest: Buffer }[] {
  const out: { kind: IdentifierKind; digest: Buffer }[] = [];
  if (ids.cnId !== undefined) out.push({ kind: 'cn_id', digest: blindIndex(keys.indexKey, 'cn_id', ids.cnId) });
  if (ids.phone !== undefined) out.push({ kind: 'phone', digest: blindIndex(keys.indexKey, 'phone', ids.phone) });
  if (ids.email !== undefined) out.push({ kind: 'email', digest: blindIndex(keys.indexKey, 'email', ids.email) });
  return out;
}

function looseIds(subject: unknown): NormalisedIds {
  const s = (typeof subject === 'object' && subject !== null ? subject : {}) as Record<string, unknown>;
  const ids: NormalisedIds = {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const id = str(s.idNumber) === undefined ? undefined : normalizeCnId(str(s.idNumber)!);
  const phone = str(s.phone) === undefined ? undefined : normalizePhone(str(s.phone)!);
  const email = str(s.email) === undefined ? undefined : normalizeEmail(str(s.email)!);
  if (id !== undefined) ids.cnId = id;
  if (phone !== undefined) ids.phone = phone;
  if (email !== undefined) ids.email = email;
  return ids;
}

function displayOf(g: GatedRecord): string {
  const s = g.record.subject;
  const d: Record<string, string> = { name: displayMask('NAME', s.name) };
  if (g.ids.cnId !== undefined) d.idNumber = displayMask('CN_ID', g.ids.cnId);
  if (g.ids.phone !== undefined) d.phone = displayMask('PHONE', g.ids.phone);
  if (g.ids.email !== undefined) d.email = displayMask('EMAIL', g.ids.email);
  if (s.guardian !== undefined) d.guardian = displayMask('NAME', s.guardian.name);
  return JSON.stringify(d);
}

export async function processBatch(deps: BatchDeps, items: SourceItem[]): Promise<BatchResult> {
  const { vault, keys, policy } = deps;
  const slots: Slot[] = items.map((item) => ({ index: item.index, digests: [], blind: [] }));

  // 1. Parse, validate and gate: decided from each record alone.
  items.forEach((item, i) => {
    const slot = slots[i]!;
    if ('parseError' in item) {
      slot.outcome = rejected(slot, 'PARSE_ERROR', '', item.parseError);
      return;
    }
    const v = validateRecord(item.value);
    if (!v.ok) {
      slot.outcome = { ...v.rejection, index: slot.index };
      if (v.rejection.recordId !== undefined) slot.recordId = v.rejection.recordId;
      return;
    }
    slot.recordId = v.record.recordId;
    const g = gateRecord(v.record, policy);
    if (!g.ok) {
      slot.outcome = { ...g.rejection, index: slot.index };
      if (g.rejection.code === 'CONSENT_WITHDRAWN') slot.withdrawIds = looseIds(v.record.subject);
      return;
    }
    if (g.gated.record.business.media.length > 0 && deps.media === undefined) {
      slot.outcome = rejected(slot, 'MEDIA_UNSUPPORTED', 'business.media', 'media de-identification is not enabled; media is never stored unscrubbed');
      return;
    }
    slot.gated = g.gated;
  });

  // 2. Idempotence: a record id already in the vault is a duplicate, whatever it holds now.
  const validIds = slots.filter((s) => s.recordId !== undefined && (s.gated !== undefined || s.outcome?.status === 'rejected')).map((s) => s.recordId!);
  const existing = validIds.length > 0 ? await vault.existingRecords(validIds) : new Set<string>();
  for (const slot of slots) {
    if (slot.recordId !== undefined && existing.has(slot.recordId) && !(slot.outcome?.status === 'rejected' && slot.outcome.code === 'PARSE_ERROR')) {
      slot.outcome = { status: 'duplicate', index: slot.index, recordId: slot.recordId };
      slot.gated = undefined;
      slot.withdrawIds = undefined;
    }
  }

  // 3. Blind indexes, looked up in one query for the batch.
  for (const slot of slots) {
    if (slot.gated !== undefined) slot.digests = digestsOf(keys, slot.gated.ids);
    else if (slot.withdrawIds !== undefined) slot.digests = digestsOf(keys, slot.withdrawIds);
  }
  const allDigests = slots.flatMap((s) => s.digests);
  const known = allDigests.length > 0 ? await vault.findSubjects(allDigests) : new Map<string, SubjectRow>();

  // 4. Resolve subjects in input order: a record sees the subjects earlier records created.
  const overlay = new Map<string, SubjectRow>();
  const status = new Map<string, SubjectRow['status']>();
  const created = new Map<string, { row: SubjectRow; key: NewSubjectKey }>();
  const withdrawn: string[] = [];
  /** Subject -> earliest date shown 14 or over, as updated by this batch. */
  const adult = new Map<string, string>();
  const lookup = (k: string) => overlay.get(k) ?? known.get(k);
  for (const slot of slots) {
    if (slot.withdrawIds !== undefined) {
      for (const d of slot.digests) {
        const row = lookup(digestKey(d.kind, d.digest));
        if (row !== undefined && !withdrawn.includes(row.subjectId)) {
          withdrawn.push(row.subjectId);
          status.set(row.subjectId, 'withdrawn');
        }
      }
      continue;
    }
    if (slot.gated === undefined) continue;
    const matches = new Map<string, SubjectRow>();
    for (const d of slot.digests) {
      const row = lookup(digestKey(d.kind, d.digest));
      if (row !== undefined) matches.set(row.subjectId, row);
    }
    if (matches.size > 1) {
      slot.outcome = rejected(slot, 'SUBJECT_CONFLICT', 'subject', 'the identifiers belong to different subjects; not merged');
      slot.gated = undefined;
      continue;
    }
    let row = matches.values().next().value as SubjectRow | undefined;
    const g = slot.gated;
    if (row !== undefined) {
      const st = status.get(row.subjectId) ?? row.status;
      if (st !== 'active') {
        slot.outcome = rejected(slot, st === 'erased' ? 'SUBJECT_ERASED' : 'SUBJECT_WITHDRAWN', 'subject',
          st === 'erased' ? 'the subject was erased' : 'the subject withdrew consent');
        slot.gated = undefined;
        continue;
      }
    }
    const adultSince = row === undefined ? null : (adult.get(row.subjectId) ?? row.adultSince);
    if (g.needsKnownAdult && (adultSince === null || adultSince > g.collectedOn)) {
      slot.outcome = rejected(slot, 'MINOR_NO_GUARDIAN_CONSENT', 'consent.guardianConsent',
        `no birth date or ID number shows an age, and the subject is not known to be ${policy.minorAge} or over: a guardian's consent is needed`);
      slot.gated = undefined;
      continue;
    }
    if (row === undefined) {
      const subjectId = newId();
      const key = createSubjectKey(deps.sender, keys);
      row = { subjectId, keyId: key.keyId, pseudonym: pseudonymOf(keys.pseudonymKey, subjectId), status: 'active', adultSince: null };
      created.set(subjectId, { row, key });
      deps.caches.publicKeys.set(key.keyId, key.publicKey);
      slot.createdSubject = true;
    }
    if (g.age !== undefined && g.age >= policy.minorAge && (adultSince === null || g.collectedOn < adultSince)) {
      adult.set(row.subjectId, g.collectedOn);
      slot.adultSince = g.collectedOn;
    }
    slot.subject = row;
    for (const d of slot.digests) {
      const k = digestKey(d.kind, d.digest);
      if (lookup(k) === undefined) {
        overlay.set(k, row);
        slot.blind.push({ kind: d.kind, digest: d.digest, subjectId: row.subjectId });
      }
    }
  }

  // 5. Public keys of existing subjects, for wrapping their data keys.
  const missing = [...new Set(slots.filter((s) => s.subject !== undefined && !deps.caches.publicKeys.has(s.subject.keyId)).map((s) => s.subject!.keyId))];
  if (missing.length > 0) {
    const found = await deps.keystore.publicKeys(missing);
    for (const [id, pk] of found) deps.caches.publicKeys.set(id, pk);
  }

  // 6. Pending marks, then seal and write.
  const accepted = slots.filter((s) => s.subject !== undefined && s.gated !== undefined);
  const segmentId = newId();
  const segmentKey = `segments/${segmentId}`;
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
  const pendingRefs = [
    ...(accepted.length > 0 ? [`object:${segmentKey}`] : []),
    ...[...mediaPlan.values()].flat().map((m) => `object:${m.objectKey}`),
    ...[...created.values()].map((c) => `key:${c.key.keyId}`),
  ];
  if (pendingRefs.length > 0) await vault.addPending(pendingRefs.map((ref) => ({ ref, runId: deps.runId })));

  const segment = new SegmentBuilder();
  const identities: IdentityRow[] = [];
  const records: RecordRow[] = [];
  const media: MediaRow[] = [];
  const blindIndexes: BlindIndexRow[] = [];
  const usedSubjects = new Set<string>();

  const mediaFailures = new Map<Slot, RejectedOutcome>();
  const storedMedia = new Map<Slot, StoredMedia[]>();
  if (deps.media !== undefined && mediaPlan.size > 0) {
    await Promise.all([...mediaPlan].map(async ([slot, plan]) => {
      const row = slot.subject!;
      const recipient = deps.sender.recipient(deps.caches.publicKeys.get(row.keyId)!);
      const done: StoredMedia[] = [];
      for (const [i, m] of plan.entries()) {
        try {
          done.push(await deps.media!.store(m.ref, { objectKey: m.objectKey, objectId: m.objectId, keyId: row.keyId, recipient, pseudonym: row.pseudonym }));
        } catch (err) {
          if (!isSunderError(err) || !err.code.startsWith('MEDIA_')) throw err;
          for (const p of plan) await deps.store.delete(p.objectKey);
          mediaFailures.set(slot, rejected(slot, 'MEDIA_REJECTED', `business.media.${i}.path`, `${err.code}: ${err.message.replace(/^\[sunder\] /, '')}`));
          return;
        }
      }
      storedMedia.set(slot, done);
    }));
  }

  for (const slot of accepted) {
    const failure = mediaFailures.get(slot);
    if (failure !== undefined) {
      slot.outcome = failure;
      continue;
    }
    const g = slot.gated!;
    const row = slot.subject!;
    const publicKey = deps.caches.publicKeys.get(row.keyId);
    if (publicKey === undefined) throw new Error(`[sunder] the key store has no public key for a subject the vault knows (key ${row.keyId}): the stores are out of step`);
    const recipient = deps.sender.recipient(publicKey);

    // The identity side: sealed once per distinct snapshot.
    const entry = identityEntryOf(g, row.subjectId, policy);
    const canonical = canonicalIdentity(entry);
    const idDigest = identityDigest(keys.indexKey, canonical);
    const seenKey = `${row.subjectId}:${idDigest.toString('hex')}`;
    if (!deps.caches.identities.has(seenKey)) {
      const sealed = encryptObject(recipient, { objectId: randomId(), keyId: row.keyId, context: `identity|${row.subjectId}` }, Buffer.from(JSON.stringify(entry)));
      identities.push({ subjectId: row.subjectId, digest: idDigest, entry: sealed, display: displayOf(g), recordId: g.record.recordId });
      deps.caches.identities.set(seenKey, true);
    }

    // The business side: scrubbed, generalised, sealed.
    const matcher = deps.scrubber.known(idDigest.toString('hex'), knownValuesOf(g));
    const counts: Record<string, number> = {};
    const text: Record<string, string> = {};
    for (const [field, value] of Object.entries(g.record.business.text)) text[field] = deps.scrubber.scrub(value, matcher, counts);
    const attributes: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(g.record.business.attributes)) {
      const where = policy.attributes[name] ?? 'business';
      if (where !== 'business') continue;
      attributes[name] = typeof value === 'string' ? deps.scrubber.scrub(value, matcher, counts) : value;
    }
    const objectIdBytes = randomId();
    const objectId = objectIdBytes.toString('base64url');
    const business = {
      v: 1,
      id: objectId,
      pseudonym: row.pseudonym,
      project: g.record.project,
      collectedAt: g.record.collectedAt,
      quasi: quasiOf(g, policy),
      attributes,
      text,
      media: storedMedia.get(slot) ?? [],
      consent: { scopes: [...g.consent.scopes], crossBorder: g.consent.crossBorder, policyVersion: g.consent.policyVersion },
    };
    const sealed = encryptObject(recipient, { objectId: objectIdBytes, keyId: row.keyId, context: `business|${row.pseudonym}` }, Buffer.from(JSON.stringify(business)));
    const at = segment.append(sealed);
    records.push({
      recordId: g.record.recordId, subjectId: row.subjectId, objectId, project: g.record.project, collectedAt: g.record.collectedAt,
      segmentId, offset: at.offset, length: at.length, scopes: g.consent.scopes.join('|'), crossBorder: g.consent.crossBorder,
      policyVersion: g.consent.policyVersion,
    });
    for (const m of storedMedia.get(slot) ?? []) media.push({ objectId: m.id, recordId: g.record.recordId, kind: m.kind, format: m.format, bytes: m.bytes });
    blindIndexes.push(...slot.blind);
    usedSubjects.add(row.subjectId);
    slot.outcome = { status: 'stored', index: slot.index, recordId: g.record.recordId, objectId, newSubject: slot.createdSubject === true, detections: counts };
  }

  // 7. Keys, then the segment, then the commit point.
  const newSubjects = [...created.values()].filter((c) => usedSubjects.has(c.row.subjectId));
  // Only stored records may vouch for an age; a new subject's row carries its date directly.
  const adultSince = new Map<string, string>();
  for (const slot of accepted) {
    if (slot.outcome?.status !== 'stored' || slot.adultSince === undefined) continue;
    const prev = adultSince.get(slot.subject!.subjectId);
    if (prev === undefined || slot.adultSince < prev) adultSince.set(slot.subject!.subjectId, slot.adultSince);
  }
  for (const c of newSubjects) c.row.adultSince = adultSince.get(c.row.subjectId) ?? null;
  await deps.keystore.put(newSubjects.map((c) => ({ keyId: c.key.keyId, publicKey: c.key.publicKey, wrappedOfficer: c.key.wrappedOfficer, wrappedExporter: c.key.wrappedExporter })));
  const segments = [];
  if (records.length > 0) {
    await deps.store.put(segmentKey, segment.toBuffer());
    segments.push({ segmentId, objectKey: segmentKey, records: records.length, bytes: segment.bytes });
  }
  const batch: VaultBatch = {
    runId: deps.runId,
    subjects: newSubjects.map((c) => c.row),
    blindIndexes,
    identities,
    records,
    media,
    segments,
    adultSince: [...adultSince].filter(([id]) => !created.has(id)).map(([subjectId, date]) => ({ subjectId, date })),
    withdrawn,
    clearPending: pendingRefs,
  };
  await vault.commit(batch);
  // Keys made for subjects whose every record failed were never stored; nothing to undo.
  // An empty segment was never written; its pending mark is cleared with the commit.

  return { outcomes: slots.map((s) => s.outcome ?? rejected(s, 'INTERNAL', '', 'no outcome was decided (a bug)')), newSubjects: newSubjects.length };
}
