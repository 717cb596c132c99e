/**
 * `sunder access`: everything held about a person, opened with the officer key: the identity
 * entries, consent and its history (each snapshot's consent, scopes withdrawn later, status),
 * every record's business data, media (written under `out` only, so the folder can be handed
 * to the person), and which recipients received their data, when, under which of that
 * recipient's pseudonyms. A record whose key is gone (erased) is skipped and counted.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { businessContext, identityContext, mediaContext } from '../crypto/contexts.js';
import { decryptObject, readHeader } from '../crypto/format.js';
import type { ReaderKeys } from '../crypto/keys.js';
import { createDecryptStream } from '../crypto/stream.js';
import { SubjectKeyring } from '../crypto/subject-keys.js';
import { SunderError } from '../errors.js';
import type { AuthenticatedKeyStore } from '../keystore/authenticated.js';
import type { BusinessObject } from '../pipeline/seal.js';
import type { ObjectStore } from '../store/object-store.js';
import type { SubjectRow, Vault } from '../vault/vault.js';

export interface AccessRecord {
  recordId: string;
  project: string;
  collectedAt: string;
  scopes: string[];
  attributes: Record<string, unknown>;
  text: Record<string, string>;
  /** Media of the record; `file` is relative to the `--out` folder when one was given. */
  media: { kind: string; format: string; bytes: number; file?: string }[];
}

export interface SubjectAccess {
  subjectId: string;
  pseudonym: string;
  status: SubjectRow['status'];
  /** Each identity snapshot the vault holds, oldest first, as sealed (name, identifiers, guardian, consent...). */
  identities: Record<string, unknown>[];
  consent: { withdrawnScopes: string[]; status: SubjectRow['status'] };
  records: AccessRecord[];
  /** Records skipped because the subject's key is gone. */
  skipped: number;
  recipients: { recipient: string; exportId: string; disclosedAt: string; pseudonyms: string[]; objects: number }[];
}

const EXT: Record<string, string> = {
  jpeg: 'jpg', png: 'png', webp: 'webp', tiff: 'tif', wav: 'wav', flac: 'flac', mp3: 'mp3', mp4: 'mp4', mov: 'mov', m4a: 'm4a', ogg: 'ogg',
};

async function readRange(store: ObjectStore, key: string, offset: number, length: number): Promise<Buffer> {
  return store.getRange(key, offset, length);
}

export async function accessSubject(deps: { vault: Vault; keystore: AuthenticatedKeyStore; store: ObjectStore; officer: ReaderKeys }, s: SubjectRow, out?: string): Promise<SubjectAccess> {
  const { vault, keystore, store } = deps;
  const withdrawn = (await vault.withdrawnScopes([s.subjectId])).get(s.subjectId) ?? [];
  const result: SubjectAccess = { subjectId: s.subjectId, pseudonym: s.pseudonym, status: s.status, identities: [], consent: { withdrawnScopes: withdrawn, status: s.status }, records: [], skipped: 0, recipients: [] };
  const byExport = new Map<string, SubjectAccess['recipients'][number]>();
  for await (const d of vault.disclosures({ subjectId: s.subjectId })) {
    let r = byExport.get(d.exportId);
    if (r === undefined) byExport.set(d.exportId, (r = { recipient: d.recipient, exportId: d.exportId, disclosedAt: d.disclosedAt, pseudonyms: [], objects: 0 }));
    if (!r.pseudonyms.includes(d.recipientPseudonym)) r.pseudonyms.push(d.recipientPseudonym);
    r.objects++;
  }
  result.recipients = [...byExport.values()];
  const records = await vault.recordsOf(s.subjectId);
  const row = s.status === 'erased' ? undefined : await keystore.row(s.keyId);
  if (row === undefined) {
    result.skipped = records.length;
    return result;
  }
  const keyring = new SubjectKeyring(deps.officer, 2);
  const identityKey = keyring.identity(s.keyId, row.identityWrappedOfficer, 'identity');
  const businessKey = keyring.identity(s.keyId, row.wrappedOfficer);
  for (const i of await vault.identitiesOf(s.subjectId)) {
    const plain = decryptObject(identityKey, i.entry, { context: identityContext(s.subjectId) });
    result.identities.push(JSON.parse(Buffer.from(plain).toString('utf8')) as Record<string, unknown>);
  }
  let mediaDir: string | undefined;
  for (const r of records) {
    const sealed = await readRange(store, r.segmentKey, r.offset, r.length);
    if (readHeader(sealed).keyId !== s.keyId) throw new SunderError('TAMPER_BINDING', 'a record of the subject points at an object sealed to another subject (the vault was altered)', { path: ['records'] });
    const plain = decryptObject(businessKey, sealed, { context: businessContext(r.binding, s.pseudonym, r.project, r.recordId), objectId: Buffer.from(r.objectId, 'base64url') });
    const obj = JSON.parse(Buffer.from(plain).toString('utf8')) as BusinessObject;
    const media: AccessRecord['media'] = [];
    for (const m of obj.media) {
      const item: AccessRecord['media'][number] = { kind: m.kind, format: m.format, bytes: m.bytes };
      if (out !== undefined) {
        if (mediaDir === undefined) mkdirSync((mediaDir = join(out, 'media')), { recursive: true, mode: 0o700 });
        const file = `media/${m.id}.${EXT[m.format] ?? 'bin'}`;
        const decrypt = createDecryptStream(businessKey, { context: mediaContext(r.binding, s.pseudonym, r.project, r.recordId, m.kind), objectId: Buffer.from(m.id, 'base64url') });
        await pipeline(await store.get(`media/${m.id}`), decrypt, createWriteStream(join(out, file), { mode: 0o600 }));
        item.file = file;
      }
      media.push(item);
    }
    result.records.push({ recordId: r.recordId, project: r.project, collectedAt: r.collectedAt, scopes: r.scopes === '' ? [] : r.scopes.split('|'), attributes: obj.attributes, text: obj.text, media });
  }
  return result;
}

/** Writes `access.json` (the whole report) into `out`. */
export function writeAccessReport(out: string, report: unknown): string {
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const path = join(out, 'access.json');
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n', { mode: 0o600 });
  return path;
}
