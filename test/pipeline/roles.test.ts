/**
 * Write-only ingestion: the ingest role's keys open nothing stored; the officer opens identity
 * entries, the exporter business objects, and neither key does the other's job.
 */
import Database from 'better-sqlite3';
import { cpSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decryptObject } from '../../src/crypto/format.js';
import { loadRoleKeys } from '../../src/crypto/keys.js';
import { X25519Identity } from '../../src/crypto/recipient.js';
import { SubjectKeyring } from '../../src/crypto/subject-keys.js';
import { exportDataset } from '../../src/export/export.js';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

describe('roles', () => {
  const dataDir = tempDir();
  const layout = layoutOf({ dataDir });
  const vaultKeys = join(tempDir(), 'officer-and-exporter');
  let identityRow: { subject_id: string; entry: Buffer; key_id: string; wrapped_officer: Buffer; wrapped_exporter: Buffer };
  let businessRow: { object_id: string; pseudonym: string; key_id: string; object_key: string; offset: number; length: number };

  beforeAll(async () => {
    const ingestor = await Ingestor.open({ dataDir });
    await ingestor.ingestFile(SAMPLE_NDJSON).done();
    await ingestor.close();
    // Only the ingest key stays on the "ingestion host".
    mkdirSync(vaultKeys, { recursive: true });
    renameSync(join(layout.keysDir, 'officer.json'), join(vaultKeys, 'officer.json'));
    renameSync(join(layout.keysDir, 'exporter.json'), join(vaultKeys, 'exporter.json'));
    const vault = new Database(layout.vault, { readonly: true });
    const ks = new Database(layout.keystore, { readonly: true });
    const i = vault.prepare('SELECT i.subject_id, i.entry, s.key_id FROM identities i JOIN subjects s USING (subject_id) LIMIT 1').get() as typeof identityRow;
    const w = ks.prepare('SELECT wrapped_officer, wrapped_exporter FROM subject_keys WHERE key_id = ?').get(i.key_id) as typeof identityRow;
    identityRow = { ...i, wrapped_officer: w.wrapped_officer, wrapped_exporter: w.wrapped_exporter };
    businessRow = vault.prepare(`SELECT r.object_id, s.pseudonym, s.key_id, g.object_key, r.offset, r.length FROM records r
      JOIN subjects s USING (subject_id) JOIN segments g USING (segment_id) WHERE r.subject_id = ? LIMIT 1`).get(i.subject_id) as typeof businessRow;
    vault.close();
    ks.close();
  });

  const businessBytes = async () => {
    const { FsObjectStore } = await import('../../src/store/fs.js');
    return new FsObjectStore(layout.objects).getRange(businessRow.object_key, businessRow.offset, businessRow.length);
  };

  it('an ingest key alone cannot export (clear error)', async () => {
    await expect(exportDataset({ dataDir, out: join(tempDir(), 'x') })).rejects.toMatchObject({ code: 'KEYS_MISSING' });
  });

  it('no secret the ingest role holds opens an identity entry or a business object', async () => {
    const ingest = await loadRoleKeys(layout.keysDir, 'ingest');
    const business = await businessBytes();
    for (const secret of [ingest.indexKey, ingest.pseudonymKey]) {
      const pretender = new X25519Identity(secret);
      expect(() => decryptObject(pretender, identityRow.entry, { context: `identity|${identityRow.subject_id}` })).toThrow(expect.objectContaining({ code: 'KEYS_WRONG' }));
      expect(() => decryptObject(pretender, business, { context: `business|${businessRow.pseudonym}` })).toThrow(expect.objectContaining({ code: 'KEYS_WRONG' }));
    }
  });

  it('the officer opens identity entries; the exporter cannot', async () => {
    const officer = await loadRoleKeys(vaultKeys, 'officer');
    const subjectKey = new SubjectKeyring(officer).identity(identityRow.key_id, identityRow.wrapped_officer);
    const entry = JSON.parse(Buffer.from(decryptObject(subjectKey, identityRow.entry, { context: `identity|${identityRow.subject_id}` })).toString('utf8'));
    expect(entry).toMatchObject({ v: 1, subjectId: identityRow.subject_id });
    expect(typeof entry.name).toBe('string');
    const exporter = await loadRoleKeys(vaultKeys, 'exporter');
    expect(() => new SubjectKeyring(exporter).identity(identityRow.key_id, identityRow.wrapped_officer)).toThrow(expect.objectContaining({ code: 'KEYS_WRONG' }));
  });

  it('the exporter decrypts business objects, bound to their pseudonym', async () => {
    const exporter = await loadRoleKeys(vaultKeys, 'exporter');
    const subjectKey = new SubjectKeyring(exporter).identity(businessRow.key_id, identityRow.wrapped_exporter);
    const business = await businessBytes();
    const obj = JSON.parse(Buffer.from(decryptObject(subjectKey, business, { context: `business|${businessRow.pseudonym}` })).toString('utf8'));
    expect(obj.pseudonym).toBe(businessRow.pseudonym);
    expect(obj).not.toHaveProperty('subject');
    // Moved under another subject's pseudonym, the same bytes no longer open.
    expect(() => decryptObject(subjectKey, business, { context: 'business|p_someoneelse' })).toThrow(expect.objectContaining({ code: 'FORMAT_CONTEXT' }));
  });

  it('an officer key passed off as the exporter key is refused', async () => {
    const wrongKeys = tempDir();
    cpSync(join(vaultKeys, 'officer.json'), join(wrongKeys, 'exporter.json'));
    await expect(exportDataset({ dataDir, keysDir: wrongKeys, out: join(tempDir(), 'x') })).rejects.toMatchObject({ code: 'KEYS_WRONG' });
  });
});
