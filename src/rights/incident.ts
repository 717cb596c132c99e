/**
 * Security incidents (policy section 2, item 6): every person whose data an exposed export, a
 * set of leaked object ids or a period of the store touched is to be told what happened, by
 * email, phone or letter, and the regulator is to get a report. `incidentAffected` finds those
 * subjects, decrypts each one's identity entry with the officer key, and writes the
 * notification list (one JSON line per subject: who to write to and on which channel) to a file
 * the officer names, 0600. What it returns, and what the CLI prints, is counts only: by
 * project and kind of data, and by channel. One audit entry per run.
 *
 * The contact channel: a child (a guardian on record and never shown to be 14 or over) is
 * reached through the guardian; anyone else by their own email, else their own phone. A subject
 * with none on record (or whose keys were erased) is listed with channel `none`: a letter needs
 * an address the vault does not hold.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { identityContext } from '../crypto/contexts.js';
import { decryptObject } from '../crypto/format.js';
import { loadRoleKeys } from '../crypto/keys.js';
import { SubjectKeyring } from '../crypto/subject-keys.js';
import { isSunderError, SunderError } from '../errors.js';
import { openAuditLog, operatorName } from '../audit/open.js';
import type { AuditTarget } from '../audit/entry.js';
import type { KeyStore } from '../keystore/keystore.js';
import { SqliteKeyStore } from '../keystore/sqlite.js';
import { layoutOf, type Layout } from '../layout.js';
import { readableFormat } from '../migrate/version.js';
import type { IdentityEntry } from '../pipeline/split.js';
import { SqliteVault } from '../vault/sqlite.js';
import type { Vault } from '../vault/vault.js';

/** What was exposed: an export's folder, a file of object ids, or a period of stored records. */
export type IncidentScope =
  | { export: string }
  | { objects: string }
  | { since: string; until: string; project?: string };

export interface IncidentOptions {
  dataDir?: string;
  keysDir?: string;
  scope: IncidentScope;
  /** The notification list's file (created 0600; an existing file is refused). */
  out: string;
  operator?: string;
}

export type Channel = 'email' | 'phone' | 'none';

/** One line of the notification list: personal data, for the officer's file only. */
export interface Notification {
  subjectId: string;
  /** Whom to write to: the subject, or their guardian for a child. */
  via: 'subject' | 'guardian';
  name: string | null;
  channel: Channel;
  /** The email address or phone number, null for `none`. */
  to: string | null;
  projects: string[];
  /** Kinds of data touched: `record` (business data) and media kinds (`photo`, `audio`, ...). */
  kinds: string[];
}

/** Counts only (no personal data): what the regulator's report and the terminal get. */
export interface IncidentReport {
  scope: 'export' | 'objects' | 'period';
  exportId?: string;
  subjects: number;
  records: number;
  channels: { email: number; phone: number; guardian: number; none: number };
  /** Per project: subjects, records, and media by kind. */
  byProject: Record<string, { subjects: number; records: number; media: Record<string, number> }>;
  /** With `objects`: listed ids that match nothing in the ledger or the vault. */
  unknownObjects?: number;
  out: string;
}

interface Touched {
  recordId: string;
  subjectId: string;
  project: string;
}

/**
 * The vault reads this needs that the `Vault` interface does not have yet (records by
 * `stored_at`, media by record or object id, a subject's key id and latest identity entry):
 * read-only SQL on the embedded vault file. For a PostgreSQL vault these are to become Vault
 * methods (CONTRACTS.md).
 */
class VaultReads {
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.stmt = {
      period: this.db.prepare('SELECT record_id, subject_id, project FROM records WHERE stored_at >= ? AND stored_at < ? ORDER BY stored_at'),
      periodProject: this.db.prepare('SELECT record_id, subject_id, project FROM records WHERE stored_at >= ? AND stored_at < ? AND project = ? ORDER BY stored_at'),
      recordOfObject: this.db.prepare('SELECT record_id, subject_id, project FROM records WHERE object_id = ?'),
      recordOfMedia: this.db.prepare('SELECT r.record_id, r.subject_id, r.project FROM media m JOIN records r USING (record_id) WHERE m.object_id = ?'),
      mediaOf: this.db.prepare('SELECT kind FROM media WHERE record_id = ?'),
      subject: this.db.prepare('SELECT key_id, adult_since, status FROM subjects WHERE subject_id = ?'),
      identities: this.db.prepare('SELECT i.entry, r.collected_at FROM identities i JOIN records r ON r.record_id = i.record_id WHERE i.subject_id = ? ORDER BY i.rowid'),
    };
  }

  *period(since: string, until: string, project?: string): Iterable<Touched> {
    const rows = project === undefined ? this.stmt.period.iterate(since, until) : this.stmt.periodProject.iterate(since, until, project);
    for (const r of rows as Iterable<{ record_id: string; subject_id: string; project: string }>) yield { recordId: r.record_id, subjectId: r.subject_id, project: r.project };
  }

  /** The record a vault object id (business object or media) belongs to. */
  recordOfObject(objectId: string): Touched | undefined {
    const r = (this.stmt.recordOfObject.get(objectId) ?? this.stmt.recordOfMedia.get(objectId)) as { record_id: string; subject_id: string; project: string } | undefined;
    return r === undefined ? undefined : { recordId: r.record_id, subjectId: r.subject_id, project: r.project };
  }

  mediaKinds(recordId: string): string[] {
    return (this.stmt.mediaOf.all(recordId) as { kind: string }[]).map((m) => m.kind);
  }

  subject(subjectId: string): { keyId: string; adultSince: string | null; status: string } | undefined {
    const r = this.stmt.subject.get(subjectId) as { key_id: string; adult_since: string | null; status: string } | undefined;
    return r === undefined ? undefined : { keyId: r.key_id, adultSince: r.adult_since, status: r.status };
  }

  /**
   * The subject's identity snapshots, newest collection time first (times compared as instants:
   * they carry their own offsets). A snapshot is stored once, under the first record that gave it.
   */
  identityEntries(subjectId: string): Uint8Array[] {
    const rows = [...this.stmt.identities.iterate(subjectId) as Iterable<{ entry: Buffer; collected_at: string }>];
    return rows.map((r, i) => ({ entry: r.entry, at: Date.parse(r.collected_at), i })).sort((x, y) => y.at - x.at || y.i - x.i).map((r) => r.entry);
  }

  close(): void {
    this.db.close();
  }
}

const invalid = (message: string, path: string[]) => new SunderError('CONFIG_INVALID', message, { path });

function isoOf(text: string, field: string): string {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw invalid(`expected --${field} as an ISO 8601 date or time`, [field]);
  return new Date(t).toISOString();
}

/** The export's id and the hash the ledger keeps of its manifest, from its folder. */
function exportIdentity(dir: string): { exportId?: string; manifestSha256?: string } {
  if (!existsSync(dir)) throw new SunderError('FILE_NOT_FOUND', `no export folder at ${dir}`);
  const out: { exportId?: string; manifestSha256?: string } = {};
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as { exportId?: unknown };
    if (typeof meta.exportId === 'string') out.exportId = meta.exportId;
  } catch {
    // A copy found in the wild may have lost export.json: the manifest's hash still names it.
  }
  for (const name of ['manifest.jsonl', 'SHA256SUMS']) {
    const file = join(dir, name);
    if (existsSync(file)) {
      out.manifestSha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
      break;
    }
  }
  return out;
}

/** Object ids, one a line; blank lines and `#` comments skipped. */
function objectIdsOf(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new SunderError('FILE_NOT_FOUND', `no object id list at ${file}`);
  }
  const ids = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(line)) throw invalid('expected one object id a line (letters, digits, . _ : -)', ['objects']);
    ids.add(line);
  }
  return ids;
}

/**
 * The channel from a subject's snapshots (newest first): a child's guardian, else the subject;
 * the newest email on record, else the newest phone. Older snapshots count, because a later
 * record that left the phone out does not mean the phone is gone.
 */
function channelOf(entries: readonly IdentityEntry[], adultSince: string | null): Pick<Notification, 'via' | 'name' | 'channel' | 'to'> {
  const child = adultSince === null && entries.some((e) => e.guardian !== undefined);
  const people = child ? entries.flatMap((e) => (e.guardian === undefined ? [] : [e.guardian])) : entries;
  const via = child ? 'guardian' : 'subject';
  const name = people[0]?.name ?? null;
  const withEmail = people.find((p) => p.email !== undefined);
  if (withEmail !== undefined) return { via, name: withEmail.name, channel: 'email', to: withEmail.email! };
  const withPhone = people.find((p) => p.phone !== undefined);
  if (withPhone !== undefined) return { via, name: withPhone.name, channel: 'phone', to: withPhone.phone! };
  return { via, name, channel: 'none', to: null };
}

async function writePrivate(file: string, text: string): Promise<void> {
  if (existsSync(file)) throw new SunderError('OUTPUT_NOT_EMPTY', `${file} exists; the notification list is never written over another file`);
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Finds the affected subjects, writes their notification list to `out` (0600), returns counts, audits the run. */
export async function incidentAffected(options: IncidentOptions, deps: { vault?: Vault; keystore?: KeyStore } = {}): Promise<IncidentReport> {
  const layout = layoutOf(options);
  const operator = operatorName(options.operator);
  const scopeKind = 'export' in options.scope ? 'export' : 'objects' in options.scope ? 'objects' : 'period';
  const target: AuditTarget = {};
  let report: IncidentReport | undefined;
  let failure: unknown;
  try {
    report = await run(options, layout, scopeKind, target, deps);
    return report;
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    // One entry per run, ok or not; a failure to audit a failure does not hide the failure.
    const failed = report === undefined;
    try {
      const log = await openAuditLog(layout);
      await log.append({
        actor: { role: 'officer', ...(operator === undefined ? {} : { operator }) },
        action: 'incident',
        ...(Object.keys(target).length === 0 ? {} : { target }),
        outcome: failed ? 'failed' : 'ok',
        ...(failed ? { code: isSunderError(failure) ? failure.code : 'INTERNAL' } : {}),
        ...(report === undefined ? {} : {
          counts: {
            subjects: report.subjects, records: report.records, email: report.channels.email, phone: report.channels.phone,
            guardian: report.channels.guardian, none: report.channels.none, ...(report.unknownObjects === undefined ? {} : { unknownObjects: report.unknownObjects }),
          },
        }),
      });
    } catch (err) {
      if (!failed) throw err;
    }
  }
}

async function run(options: IncidentOptions, layout: Layout, scopeKind: IncidentReport['scope'], target: AuditTarget, deps: { vault?: Vault; keystore?: KeyStore }): Promise<IncidentReport> {
  if (!existsSync(layout.vault)) throw new SunderError('FILE_NOT_FOUND', `no vault at ${layout.vault}; pass --data DIR`);
  if (existsSync(options.out)) throw new SunderError('OUTPUT_NOT_EMPTY', `${options.out} exists; the notification list is never written over another file`);
  const keys = await loadRoleKeys(layout.keysDir, 'officer');
  const vault = deps.vault ?? new SqliteVault(layout.vault);
  const keystore = deps.keystore ?? new SqliteKeyStore(layout.keystore);
  const reads = new VaultReads(layout.vault);
  try {
    const checked = readableFormat(vault, keystore, keys);
    await checked?.checkRowMacKey();
    const report: IncidentReport = { scope: scopeKind, subjects: 0, records: 0, channels: { email: 0, phone: 0, guardian: 0, none: 0 }, byProject: {}, out: options.out };

    // 1. The touched records, each once.
    const touched = new Map<string, Touched>();
    const touch = (t: Touched) => {
      if (!touched.has(t.recordId)) touched.set(t.recordId, t);
    };
    const scope = options.scope;
    if ('export' in scope) {
      const id = exportIdentity(scope.export);
      const found = (await vault.listExports({})).find((e) => (id.exportId !== undefined && e.exportId === id.exportId) || (id.manifestSha256 !== undefined && e.manifestSha256 === id.manifestSha256));
      if (found === undefined) throw new SunderError('INCIDENT_NOT_FOUND', `the export in ${scope.export} is not in the disclosure ledger (neither its export id nor its manifest's hash)`, { path: ['export'] });
      report.exportId = found.exportId;
      target.exports = [found.exportId];
      target.recipients = [found.recipient];
      for await (const d of vault.disclosures({ exportId: found.exportId })) touch({ recordId: d.recordId, subjectId: d.subjectId, project: d.project });
    } else if ('objects' in scope) {
      const ids = objectIdsOf(scope.objects);
      const matched = new Set<string>();
      // Recipient-scoped ids (what a recipient leaked) from the ledger, then the vault's own.
      for await (const d of vault.disclosures({})) {
        if (ids.has(d.objectId)) {
          matched.add(d.objectId);
          touch({ recordId: d.recordId, subjectId: d.subjectId, project: d.project });
        }
      }
      for (const id of ids) {
        if (matched.has(id)) continue;
        const t = reads.recordOfObject(id);
        if (t !== undefined) {
          matched.add(id);
          touch(t);
        }
      }
      report.unknownObjects = ids.size - matched.size;
    } else {
      const since = isoOf(scope.since, 'since');
      const until = isoOf(scope.until, 'until');
      if (!(since < until)) throw invalid('expected --since before --until', ['until']);
      if (scope.project !== undefined) target.projects = [scope.project];
      for (const t of reads.period(since, until, scope.project)) touch(t);
    }

    // 2. Per subject: projects and kinds of data; per project: counts.
    const bySubject = new Map<string, { projects: Set<string>; kinds: Set<string> }>();
    for (const t of touched.values()) {
      const s = bySubject.get(t.subjectId) ?? { projects: new Set<string>(), kinds: new Set<string>(['record']) };
      bySubject.set(t.subjectId, s);
      s.projects.add(t.project);
      const p = (report.byProject[t.project] ??= { subjects: 0, records: 0, media: {} });
      p.records++;
      for (const kind of reads.mediaKinds(t.recordId)) {
        s.kinds.add(kind);
        p.media[kind] = (p.media[kind] ?? 0) + 1;
      }
    }
    report.records = touched.size;
    for (const s of bySubject.values()) for (const p of s.projects) report.byProject[p]!.subjects++;

    // 3. Each subject's contact channel, from their identity entry (officer key only).
    const keyring = new SubjectKeyring(keys);
    const lines: string[] = [];
    for (const [subjectId, s] of bySubject) {
      const contact = await contactOf(subjectId, reads, keyring, async (keyId) =>
        checked !== undefined ? (await checked.row(keyId))?.identityWrappedOfficer : (await keystore.rows([keyId])).get(keyId)?.identityWrappedOfficer);
      const n: Notification = { subjectId, ...contact, projects: [...s.projects].sort(), kinds: [...s.kinds].sort() };
      lines.push(JSON.stringify(n));
      if (n.channel === 'none') report.channels.none++;
      else if (n.via === 'guardian') report.channels.guardian++;
      else report.channels[n.channel]++;
    }
    report.subjects = bySubject.size;
    await writePrivate(options.out, lines.map((l) => l + '\n').join(''));
    return report;
  } finally {
    reads.close();
    if (deps.vault === undefined) await vault.close();
    if (deps.keystore === undefined) await keystore.close();
  }
}

async function contactOf(
  subjectId: string,
  reads: VaultReads,
  keyring: SubjectKeyring,
  wrappedFor: (keyId: string) => Promise<Uint8Array | undefined>,
): Promise<Pick<Notification, 'via' | 'name' | 'channel' | 'to'>> {
  const none = { via: 'subject' as const, name: null, channel: 'none' as const, to: null };
  const subject = reads.subject(subjectId);
  const sealed = reads.identityEntries(subjectId);
  if (subject === undefined || sealed.length === 0) return none;
  const wrapped = await wrappedFor(subject.keyId);
  // Erased: the identity key was shredded, so nobody can be reached through the vault.
  if (wrapped === undefined) return none;
  const identity = keyring.identity(subject.keyId, wrapped, 'identity');
  const entries = sealed.map((entry) => {
    try {
      return JSON.parse(Buffer.from(decryptObject(identity, entry, { context: identityContext(subjectId) })).toString('utf8')) as IdentityEntry;
    } catch (err) {
      if (isSunderError(err) && err.code === 'KEYS_WRONG') throw err;
      throw new SunderError('STORE_CORRUPT', 'an identity entry does not open with its subject key', { path: ['identities'] });
    }
  });
  return channelOf(entries, subject.adultSince);
}
