/**
 * The vault side is complete: for every stored record, everything it said about its subject can
 * be read back by the officer from that subject's sealed identity entries, even though a record
 * that only repeats known facts adds no entry of its own.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decryptObject } from '../../src/crypto/format.js';
import { loadRoleKeys } from '../../src/crypto/keys.js';
import { SubjectKeyring } from '../../src/crypto/subject-keys.js';
import { normalizeCnId, normalizeEmail, normalizePhone } from '../../src/id/normalize.js';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

describe('identity entries', () => {
  it('hold every identity value of every stored record, and fewer entries than records', async () => {
    const dataDir = tempDir();
    const ingestor = await Ingestor.open({ dataDir });
    const stored = new Set<string>();
    await ingestor.ingestFile(SAMPLE_NDJSON).done((o) => o.status === 'stored' && stored.add(o.recordId));
    await ingestor.close();

    const layout = layoutOf({ dataDir });
    const officer = new SubjectKeyring(await loadRoleKeys(layout.keysDir, 'officer'));
    const vault = new Database(layout.vault, { readonly: true });
    const keystore = new Database(layout.keystore, { readonly: true });
    const entries = vault.prepare('SELECT i.subject_id, i.entry, s.key_id FROM identities i JOIN subjects s USING (subject_id)').all() as { subject_id: string; entry: Buffer; key_id: string }[];
    const subjectOf = new Map((vault.prepare('SELECT record_id, subject_id FROM records').all() as { record_id: string; subject_id: string }[]).map((r) => [r.record_id, r.subject_id]));
    const union = new Map<string, Set<string>>();
    for (const e of entries) {
      // Identity entries are sealed to the subject's identity key, wrapped to the officer only.
      const wrapped = (keystore.prepare('SELECT identity_wrapped_officer w FROM subject_keys WHERE key_id = ?').get(e.key_id) as { w: Buffer }).w;
      const id = officer.identity(e.key_id, wrapped, 'identity');
      const entry = JSON.parse(Buffer.from(decryptObject(id, e.entry, { context: `identity|${e.subject_id}` })).toString('utf8')) as Record<string, unknown>;
      const set = union.get(e.subject_id) ?? new Set<string>();
      for (const k of ['name', 'idNumber', 'phone', 'email', 'birthDate']) if (typeof entry[k] === 'string') set.add(`${k}=${entry[k]}`);
      union.set(e.subject_id, set);
    }
    vault.close();
    keystore.close();

    const checked = new Set<string>();
    for (const line of readFileSync(SAMPLE_NDJSON, 'utf8').split('\n')) {
      let rec: { recordId?: string; subject?: Record<string, string> };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        continue;
      }
      // A repeated record id is judged by its first, stored, line only.
      if (rec?.recordId === undefined || !stored.has(rec.recordId) || rec.subject === undefined || checked.has(rec.recordId)) continue;
      const facts = union.get(subjectOf.get(rec.recordId)!)!;
      const s = rec.subject;
      expect(facts.has(`name=${s.name}`)).toBe(true);
      if (s.idNumber) expect(facts.has(`idNumber=${normalizeCnId(s.idNumber)}`)).toBe(true);
      if (s.phone) expect(facts.has(`phone=${normalizePhone(s.phone)}`)).toBe(true);
      if (s.email) expect(facts.has(`email=${normalizeEmail(s.email)}`)).toBe(true);
      if (s.birthDate) expect(facts.has(`birthDate=${s.birthDate}`)).toBe(true);
      checked.add(rec.recordId);
    }
    expect(checked.size).toBe(stored.size);
    expect(entries.length).toBeLessThan(stored.size);
  });
});
