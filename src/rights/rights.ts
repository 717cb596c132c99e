/**
 * The data-subject rights as a library (issue 12): find, erase (and cancel), withdraw, purge by
 * retention, compact. A rights officer's tool: it opens the stores with the officer key file
 * (checked against the key store, so other key files are KEYS_WRONG before anything changes),
 * takes the data folder's writer lock, and shreds again the keys of every erased subject that
 * a restored key store brought back, before anything else.
 *
 * Every command answers a request in the requests ledger (the one given, or one it opens) and
 * appends one audit entry: role, action, subject ids / request id, counts, outcome. Nothing
 * personal reaches either; the identifiers a command is given are only ever turned into
 * blind-index digests.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AuditEntryInput } from '../audit/entry.js';
import type { AuditLog } from '../audit/log.js';
import { openAuditLog, operatorName } from '../audit/open.js';
import { LocalBlindIndexer, type BlindIndexer } from '../crypto/blind-index.js';
import { scopedToken } from '../crypto/hmac.js';
import { keyFingerprint, loadRoleKeys, type ReaderKeys } from '../crypto/keys.js';
import { isSunderError, SunderError } from '../errors.js';
import type { AuthenticatedKeyStore } from '../keystore/authenticated.js';
import type { KeyStore } from '../keystore/keystore.js';
import { SqliteKeyStore } from '../keystore/sqlite.js';
import { layoutOf, type Layout } from '../layout.js';
import { readableFormat } from '../migrate/version.js';
import { WriterLock } from '../pipeline/lock.js';
import type { Policy } from '../record/policy.js';
import { CONSENT_SCOPES } from '../record/schema.js';
import { FsObjectStore } from '../store/fs.js';
import type { ObjectStore } from '../store/object-store.js';
import { SqliteVault } from '../vault/sqlite.js';
import type { SubjectRow, Vault } from '../vault/vault.js';
import { accessSubject, writeAccessReport, type SubjectAccess } from './access.js';
import { compactStore, type CompactResult } from './compact.js';
import { checkQuery, findSubjects, type Found, type QueryKind, type SubjectQuery } from './find.js';
import { disclosuresOf, noticesOf, writeNotices, type ErasureNotice } from './notices.js';
import { RequestLedger, requestsDbOf, type RequestKind } from './requests.js';
import { reshredErased } from './reshred.js';

export interface RightsOptions {
  /** @default "./sunder-data" */
  dataDir?: string;
  /** @default "<dataDir>/keys" */
  keysDir?: string;
  vault?: Vault;
  keystore?: KeyStore;
  store?: ObjectStore;
  /** Officer login name for the audit entries. @default $SUNDER_OPERATOR, else the login name */
  operator?: string;
  /** Clock (tests). @default () => new Date() */
  now?: () => Date;
  /** Computes blind-index digests (a KMS/HSM). @default the index key of `ingest.json` */
  indexer?: BlindIndexer;
}

/** What every rights command takes about the request it answers. */
export interface RequestOptions {
  /** An open request to answer; without it, one is opened (and answered) by the command. */
  requestId?: string;
  /** The identifier is a guardian's own; the command acts for the children that guardian is recorded for. */
  asGuardian?: boolean;
  /** How the requester was verified (free text, never personal data) for a request opened here. */
  verifiedBy?: string;
}

export interface SubjectView {
  subjectId: string;
  pseudonym: string;
  status: SubjectRow['status'];
  records: number;
}

export interface ErasedSubject {
  subjectId: string;
  pseudonym: string;
  /** True when the subject was erased before: nothing was left to delete but restored keys. */
  alreadyErased: boolean;
  records: number;
  media: number;
  identities: number;
  keysShredded: number;
}

export interface EraseResult {
  requestId: string;
  action: 'erase' | 'cancel' | 'withdraw';
  subjects: ErasedSubject[];
  /** One per recipient that received any of the erased data. */
  notices: ErasureNotice[];
  noticeFiles: string[];
  /** Sequence number (1-based) of this command's audit entry: the erasure receipt is made from it. */
  auditSeq: number;
}

export interface AccessResult {
  requestId: string;
  subjects: SubjectAccess[];
  /** `access.json` in the `out` folder, when one was given. */
  report?: string;
  auditSeq: number;
}

export interface WithdrawResult {
  requestId: string;
  subjects: string[];
  /** Scopes withdrawn, or `all` for the whole consent. */
  scopes: string[] | 'all';
  erased?: EraseResult;
  auditSeq: number;
}

export interface PurgeResult {
  purgeId: string;
  dryRun: boolean;
  /** Per project: the retention days applied and the records past them. */
  projects: { project: string; days: number; before: string; records: number }[];
  records: number;
  /** Subjects with no record left, erased whole (keys shredded, no tombstone). */
  subjectsErased: number;
  notices: ErasureNotice[];
  noticeFiles: string[];
  auditSeq?: number;
}

const DAY_MS = 86_400_000;

function newId(prefix: string, at: Date): string {
  return `${prefix}-${at.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
}

export class Rights {
  private indexerPromise: Promise<BlindIndexer> | undefined;
  private ledgerOpen: RequestLedger | undefined;

  /** The requests ledger, opened (and created) only when a request is written: bad input creates nothing. */
  private get ledger(): RequestLedger {
    this.ledgerOpen ??= RequestLedger.open(requestsDbOf(this.layout.dataDir), { audit: this.audit, ...(this.options.now === undefined ? {} : { now: this.options.now }) });
    return this.ledgerOpen;
  }

  private constructor(
    readonly layout: Layout,
    private readonly vault: Vault,
    private readonly keystore: AuthenticatedKeyStore,
    private readonly store: ObjectStore,
    private readonly audit: AuditLog,
    private readonly lock: WriterLock,
    private readonly owned: { vault: boolean; keystore: boolean },
    private readonly options: RightsOptions,
    /** Keys of erased subjects found again in the key store at open (restored from a backup). */
    readonly reshredded: number,
    private readonly officerKeys: ReaderKeys,
  ) {}

  static async open(options: RightsOptions = {}): Promise<Rights> {
    const layout = layoutOf(options);
    if (options.vault === undefined && !existsSync(layout.vault)) {
      throw new SunderError('FILE_NOT_FOUND', `no vault at ${layout.vault}; ingest something first or pass --data DIR`);
    }
    const officer = await loadRoleKeys(layout.keysDir, 'officer');
    const lock = WriterLock.acquire(layout.dataDir);
    let vault: Vault | undefined;
    let raw: KeyStore | undefined;
    try {
      vault = options.vault ?? new SqliteVault(layout.vault);
      raw = options.keystore ?? new SqliteKeyStore(layout.keystore);
      const keystore = checkedKeystore(vault, raw, officer);
      await keystore.checkRowMacKey();
      const { mismatched } = await raw.checkOrSetRoleKeys({ officer: keyFingerprint(officer.publicKey) });
      if (mismatched.length > 0) throw new SunderError('KEYS_WRONG', 'the officer key file does not belong to this key store');
      // Before anything else reads the key store: a restored backup must not reopen anyone.
      const reshredded = await reshredErased(vault, raw);
      const audit = await openAuditLog(layout, options.now === undefined ? {} : { now: options.now });
      const store = options.store ?? new FsObjectStore(layout.objects);
      return new Rights(layout, vault, keystore, store, audit, lock,
        { vault: options.vault === undefined, keystore: options.keystore === undefined }, options, reshredded, officer);
    } catch (err) {
      if (options.vault === undefined) await vault?.close().catch(() => undefined);
      if (options.keystore === undefined) await raw?.close().catch(() => undefined);
      lock.release();
      throw err;
    }
  }

  /** The subject(s) a query names, with their live record counts; SUBJECT_NOT_FOUND naming the kind. */
  async find(query: SubjectQuery, options: { asGuardian?: boolean } = {}): Promise<{ kind: QueryKind; subjects: SubjectView[] }> {
    const found = await this.found(query, options.asGuardian === true, 'access');
    const subjects: SubjectView[] = [];
    for (const s of found.subjects) {
      subjects.push({ subjectId: s.subjectId, pseudonym: s.pseudonym, status: s.status, records: (await this.vault.recordsOf(s.subjectId)).length });
    }
    // A lookup is need-to-know too: who looked whom up is on the record (no identity was opened).
    await this.audit.append({ ...this.actor(), action: 'access', outcome: 'ok', target: { subjects: subjects.map((s) => s.subjectId) }, counts: { subjects: subjects.length, lookup: 1 } });
    return { kind: found.kind, subjects };
  }

  /**
   * Everything held about the person, decrypted with the officer key (access.ts); media are
   * written under `out`, with `access.json`, when it is given.
   */
  async access(query: SubjectQuery, options: RequestOptions & { out?: string } = {}): Promise<AccessResult> {
    checkQuery(query, options.asGuardian === true);
    this.checkRequest(options.requestId, ['access']);
    const found = await this.found(query, options.asGuardian === true, 'access');
    const requestId = await this.requestFor('access', options, found.subjects);
    const subjects: SubjectAccess[] = [];
    for (const s of found.subjects) {
      subjects.push(await accessSubject({ vault: this.vault, keystore: this.keystore, store: this.store, officer: this.officerKeys }, s, options.out));
    }
    const n = (f: (a: SubjectAccess) => number) => subjects.reduce((t, a) => t + f(a), 0);
    const entry = await this.audit.append({
      ...this.actor(), action: 'access', outcome: 'ok', target: { subjects: subjects.map((a) => a.subjectId), requests: [requestId] },
      counts: { subjects: subjects.length, identities: n((a) => a.identities.length), records: n((a) => a.records.length), skipped: n((a) => a.skipped), recipients: n((a) => a.recipients.length) },
    });
    const result: AccessResult = { requestId, subjects, auditSeq: entry.seq };
    if (options.out !== undefined) result.report = writeAccessReport(options.out, { requestId, subjects });
    await this.ledger.answer(requestId, { result: `access report of ${subjects.length} subject(s)`, ...this.officer() });
    return result;
  }

  /**
   * Erases the subject(s): vault rows (identity entries, blind indexes, records) deleted and
   * tombstoned, key rows shredded, one notice per recipient. `cancel` is the same erasure,
   * recorded as the cancellation of the person's account.
   */
  async erase(query: SubjectQuery, options: RequestOptions & { action?: 'erase' | 'cancel' } = {}): Promise<EraseResult> {
    const action = options.action ?? 'erase';
    checkQuery(query, options.asGuardian === true);
    this.checkRequest(options.requestId, [action, action === 'erase' ? 'cancel' : 'erase']);
    const found = await this.found(query, options.asGuardian === true, action);
    const requestId = await this.requestFor(action, options, found.subjects);
    const result = await this.eraseSubjects(found.subjects, requestId, action);
    await this.ledger.answer(requestId, { result: `erased ${result.subjects.length} subject(s); ${result.notices.length} recipient notice(s)`, ...this.officer() });
    return result;
  }

  /** Withdraws consent scopes (or the whole consent); with `erase`, also erases. */
  async withdraw(query: SubjectQuery, options: RequestOptions & { scopes?: string[]; erase?: boolean } = {}): Promise<WithdrawResult> {
    checkQuery(query, options.asGuardian === true);
    const scopes = options.scopes;
    if (scopes !== undefined) {
      const bad = scopes.find((s) => !(CONSENT_SCOPES as readonly string[]).includes(s));
      if (bad !== undefined || scopes.length === 0) {
        throw new SunderError('CONFIG_INVALID', `expected --scopes to be a comma-separated list of ${CONSENT_SCOPES.join(', ')}`, { path: ['scopes'] });
      }
    }
    this.checkRequest(options.requestId, ['withdraw']);
    const found = await this.found(query, options.asGuardian === true, 'withdraw');
    const live = found.subjects.filter((s) => s.status !== 'erased');
    if (live.length === 0) throw new SunderError('RIGHTS_INVALID', 'the subject is erased already: there is no consent left to withdraw', { path: ['subject'] });
    const requestId = await this.requestFor('withdraw', options, live);
    const at = this.now().toISOString();
    for (const s of live) {
      if (scopes !== undefined) await this.vault.withdrawScopes(s.subjectId, scopes, at);
      else {
        // The whole consent: the subject's status, as a record carrying withdrawnAt sets it.
        await this.vault.commit({ runId: requestId, subjects: [], blindIndexes: [], identities: [], records: [], media: [], segments: [], adultSince: [], withdrawn: [s.subjectId], clearPending: [] });
      }
    }
    const entry = await this.audit.append({
      ...this.actor(), action: 'withdraw', target: { subjects: live.map((s) => s.subjectId), requests: [requestId] }, outcome: 'ok',
      counts: { subjects: live.length, scopes: scopes?.length ?? CONSENT_SCOPES.length },
    });
    const result: WithdrawResult = { requestId, subjects: live.map((s) => s.subjectId), scopes: scopes ?? 'all', auditSeq: entry.seq };
    if (options.erase === true) result.erased = await this.eraseSubjects(live, requestId, 'withdraw');
    await this.ledger.answer(requestId, { result: scopes === undefined ? 'consent withdrawn' : `withdrew ${scopes.length} scope(s)${options.erase === true ? ', erased' : ''}`, ...this.officer() });
    return result;
  }

  /**
   * Erases every record past its project's retention period (`policy.retention`). A subject left
   * with no record is erased whole (keys shredded) but not tombstoned: a new collection with a
   * new consent is allowed. Recipients that received a purged record get a notice.
   */
  async purge(policy: Policy, options: { dryRun?: boolean } = {}): Promise<PurgeResult> {
    const now = this.now();
    const dryRun = options.dryRun === true;
    const purgeId = newId('P', now);
    const result: PurgeResult = { purgeId, dryRun, projects: [], records: 0, subjectsErased: 0, notices: [], noticeFiles: [] };
    const bySubject = new Map<string, string[]>();
    for (const project of await this.vault.projects()) {
      const days = policy.retention[project] ?? policy.retention['*'];
      if (days === undefined) continue;
      const before = new Date(now.getTime() - days * DAY_MS).toISOString();
      const expired = await this.vault.expiredRecords(project, before);
      result.projects.push({ project, days, before, records: expired.length });
      result.records += expired.length;
      for (const r of expired) {
        const list = bySubject.get(r.subjectId);
        if (list === undefined) bySubject.set(r.subjectId, [r.recordId]);
        else list.push(r.recordId);
      }
    }
    const whole: string[] = [];
    for (const [subjectId, ids] of bySubject) if ((await this.vault.recordsOf(subjectId)).length === ids.length) whole.push(subjectId);
    result.subjectsErased = whole.length;
    if (dryRun || result.records === 0) {
      if (!dryRun) result.auditSeq = (await this.audit.append({ ...this.actor(), action: 'purge', outcome: 'ok', counts: { records: 0, subjects: 0 } })).seq;
      return result;
    }
    const recordIds = new Set([...bySubject.values()].flat());
    const disclosed = await disclosuresOf(this.vault, [...bySubject.keys()], recordIds);
    const at = now.toISOString();
    const wholeSet = new Set(whole);
    const keyIds: string[] = [];
    for (const [subjectId, ids] of bySubject) {
      if (wholeSet.has(subjectId)) {
        const e = await this.vault.eraseSubject(subjectId, { erasureId: purgeId, at, reason: 'retention', tombstone: false });
        keyIds.push(e.keyId);
      } else {
        await this.vault.eraseRecords(ids, at);
      }
    }
    await this.keystore.delete(keyIds);
    result.notices = noticesOf(disclosed, { erasureId: purgeId, erasedAt: at, reason: 'retention' });
    result.noticeFiles = writeNotices(this.layout.dataDir, purgeId, result.notices);
    const entry = await this.audit.append({
      ...this.actor(), action: 'purge', outcome: 'ok',
      ...(result.notices.length === 0 ? {} : { target: { recipients: result.notices.map((n) => n.recipient) } }),
      counts: { records: result.records, subjects: whole.length, notices: result.notices.length, projects: result.projects.length },
    });
    result.auditSeq = entry.seq;
    return result;
  }

  /** Rewrites segments holding dead records and deletes dead objects (see compact.ts). */
  async compact(): Promise<CompactResult & { auditSeq: number }> {
    const runId = newId('C', this.now());
    const r = await compactStore(this.vault, this.store, runId);
    const entry = await this.audit.append({
      ...this.actor(), action: 'compact', outcome: 'ok',
      counts: { segmentsRewritten: r.segmentsRewritten, segmentsDeleted: r.segmentsDeleted, recordsKept: r.recordsKept, mediaDeleted: r.mediaDeleted },
    });
    return { ...r, auditSeq: entry.seq };
  }

  async close(): Promise<void> {
    this.ledgerOpen?.close();
    if (this.owned.vault) await this.vault.close();
    if (this.owned.keystore) await this.keystore.close();
    if (this.options.store === undefined) await this.store.close?.();
    this.lock.release();
  }

  // --- internals ------------------------------------------------------------------------------

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  private officer(): { officer?: string } {
    const op = operatorName(this.options.operator);
    return op === undefined ? {} : { officer: op };
  }

  private actor(): Pick<AuditEntryInput, 'actor'> {
    const op = operatorName(this.options.operator);
    return { actor: { role: 'officer', ...(op === undefined ? {} : { operator: op }) } };
  }

  private indexer(): Promise<BlindIndexer> {
    this.indexerPromise ??= (async () => {
      if (this.options.indexer !== undefined) return this.options.indexer;
      // The blind-index key is the ingest role's; the officer uses it only to turn the identifier
      // given into a digest. Checked against the vault, so another store's key is KEYS_WRONG.
      const ingest = await loadRoleKeys(this.layout.keysDir, 'ingest');
      const { mismatched } = await this.vault.checkOrSetMeta({ index_key_check: scopedToken(ingest.indexKey, 'sunder-key-check', 'index') });
      if (mismatched.length > 0) throw new SunderError('KEYS_WRONG', 'the ingest key file (blind-index key) does not belong to this vault');
      return new LocalBlindIndexer(ingest.indexKey);
    })();
    return this.indexerPromise;
  }

  /** Finds, auditing a miss as a refused attempt (who looked for someone who is not there). */
  private async found(query: SubjectQuery, asGuardian: boolean, action: 'access' | 'erase' | 'cancel' | 'withdraw'): Promise<Found> {
    try {
      return await findSubjects(this.vault, () => this.indexer(), query, asGuardian);
    } catch (err) {
      if (isSunderError(err, 'SUBJECT_NOT_FOUND')) {
        await this.audit.append({ ...this.actor(), action, outcome: 'refused', code: 'SUBJECT_NOT_FOUND' }).catch(() => undefined);
      }
      throw err;
    }
  }

  /** A given request id must name an open request of a fitting kind: checked before anything changes. */
  private checkRequest(id: string | undefined, kinds: RequestKind[]): void {
    if (id === undefined) return;
    const r = existsSync(requestsDbOf(this.layout.dataDir)) ? this.ledger.get(id) : undefined;
    if (r === undefined) throw new SunderError('REQUEST_NOT_FOUND', 'no request with that id', { path: ['request'] });
    if (r.status !== 'open') throw new SunderError('REQUEST_INVALID', `the request is already ${r.status}`, { path: ['request'] });
    if (!kinds.includes(r.kind)) throw new SunderError('REQUEST_INVALID', `the request is for ${r.kind}, not ${kinds[0]}`, { path: ['request'] });
  }

  private async requestFor(kind: RequestKind, options: RequestOptions, subjects: SubjectRow[]): Promise<string> {
    if (options.requestId !== undefined) return options.requestId;
    const r = await this.ledger.open({
      kind, ...(subjects.length === 1 ? { subjectId: subjects[0]!.subjectId } : {}), asGuardian: options.asGuardian === true,
      ...(options.verifiedBy === undefined ? {} : { verifiedBy: options.verifiedBy }), ...this.officer(),
    });
    return r.id;
  }

  private async eraseSubjects(subjects: SubjectRow[], requestId: string, action: EraseResult['action']): Promise<EraseResult> {
    const at = this.now().toISOString();
    const disclosed = await disclosuresOf(this.vault, subjects.map((s) => s.subjectId));
    const erased: ErasedSubject[] = [];
    for (const s of subjects) {
      // The vault first: if the process dies before the key store delete, the next open of
      // anything shreds the keys again (reshred.ts); the other order could leave a live subject keyless.
      if (s.status === 'erased') {
        const keysShredded = (await this.keystore.inner.rows([s.keyId])).size;
        await this.keystore.delete([s.keyId]);
        erased.push({ subjectId: s.subjectId, pseudonym: s.pseudonym, alreadyErased: true, records: 0, media: 0, identities: 0, keysShredded });
        continue;
      }
      const e = await this.vault.eraseSubject(s.subjectId, { erasureId: requestId, at, reason: action, tombstone: true });
      const keysShredded = (await this.keystore.inner.rows([e.keyId])).size;
      await this.keystore.delete([e.keyId]);
      erased.push({ subjectId: s.subjectId, pseudonym: s.pseudonym, alreadyErased: false, records: e.records.length, media: e.media, identities: e.identities, keysShredded });
    }
    const notices = noticesOf(disclosed, { erasureId: requestId, erasedAt: at, reason: 'erasure', requestId });
    const noticeFiles = writeNotices(this.layout.dataDir, requestId, notices);
    const sum = (k: 'records' | 'media' | 'identities' | 'keysShredded') => erased.reduce((n, e) => n + e[k], 0);
    const entry = await this.audit.append({
      ...this.actor(), action: action === 'withdraw' ? 'erase' : action, outcome: 'ok',
      target: { subjects: erased.map((e) => e.subjectId), requests: [requestId], ...(notices.length === 0 ? {} : { recipients: notices.map((n) => n.recipient) }) },
      counts: { subjects: erased.length, records: sum('records'), media: sum('media'), identities: sum('identities'), keys: sum('keysShredded'), notices: notices.length },
    });
    return { requestId, action, subjects: erased, notices, noticeFiles, auditSeq: entry.seq };
  }
}

function checkedKeystore(vault: Vault, raw: KeyStore, officer: ReaderKeys): AuthenticatedKeyStore {
  const k = readableFormat(vault, raw, officer);
  if (k === undefined) throw new SunderError('STORE_VERSION', 'the rights commands need a version 2 data folder: run `sunder migrate` first');
  return k;
}
