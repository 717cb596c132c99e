/**
 * Tamper evidence of format 2, each against the attack that worked on version 1:
 * - a key store written by an attacker (a subject's public key replaced with theirs): ingest
 *   stops with KEYSTORE_TAMPERED before wrapping anything to it, and export before unwrapping;
 * - a vault row pointed at another record's object: export stops with TAMPER_BINDING;
 * - masked display forms: none in the vault file or its write-ahead log.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptObject } from '../../src/crypto/format.js';
import { X25519Identity } from '../../src/crypto/recipient.js';
import { generateX25519KeyPair } from '../../src/crypto/x25519.js';
import { exportDataset } from '../../src/export/export.js';
import { normalizeCnId, normalizeEmail, normalizePhone } from '../../src/id/normalize.js';
import { layoutOf } from '../../src/layout.js';
import { displayMask } from '../../src/mask/index.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { readSegment } from '../../src/store/segment.js';
import { SAMPLE_NDJSON, sampleSubjects } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURE_V1 = join(import.meta.dirname, '../../fixtures/v1-store');

async function ingestSample(dataDir: string): Promise<void> {
  const ingestor = await Ingestor.open({ dataDir });
  await ingestor.ingestFile(SAMPLE_NDJSON).done();
  await ingestor.close();
}

/** Every masked display form of the sample's identifiers (ID, phone, email), as ingest makes them. */
function maskedForms(): Set<string> {
  const out = new Set<string>();
  for (const s of sampleSubjects()) {
    const id = typeof s.idNumber === 'string' ? normalizeCnId(s.idNumber) : undefined;
    const phone = typeof s.phone === 'string' ? normalizePhone(s.phone) : undefined;
    const email = typeof s.email === 'string' ? normalizeEmail(s.email) : undefined;
    if (id !== undefined) out.add(displayMask('CN_ID', id));
    if (phone !== undefined) out.add(displayMask('PHONE', phone));
    if (email !== undefined) out.add(displayMask('EMAIL', email));
  }
  return out;
}

const found = (bytes: Buffer, forms: Set<string>) => [...forms].filter((f) => bytes.includes(Buffer.from(f, 'utf8')));

describe('display forms', () => {
  it('are in no byte of the vault file or its WAL (version 1 had them in clear)', async () => {
    const forms = maskedForms();
    expect(forms.size).toBeGreaterThan(50);
    // The search can fail: the version 1 fixture's vault holds masked forms in clear.
    expect(found(readFileSync(join(FIXTURE_V1, 'vault.db')), forms).length).toBeGreaterThan(20);

    const dataDir = tempDir();
    const layout = layoutOf({ dataDir });
    const ingestor = await Ingestor.open({ dataDir });
    await ingestor.ingestFile(SAMPLE_NDJSON).done();
    // While the ingestor is open the WAL still holds the committed pages.
    const wal = `${layout.vault}-wal`;
    expect(existsSync(wal)).toBe(true);
    expect(readFileSync(wal).length).toBeGreaterThan(0);
    expect(found(readFileSync(wal), forms)).toEqual([]);
    expect(found(readFileSync(layout.vault), forms)).toEqual([]);
    await ingestor.close();
    expect(found(readFileSync(layout.vault), forms)).toEqual([]);
    if (existsSync(wal)) expect(found(readFileSync(wal), forms)).toEqual([]);
  });
});

describe('a key store written by an attacker', () => {
  it('stops ingest (KEYSTORE_TAMPERED) before any object is wrapped to the replaced key, and stops export', async () => {
    const dataDir = tempDir();
    const layout = layoutOf({ dataDir });
    await ingestSample(dataDir);

    // The attacker's target: a stored subject, and new records for them (fresh record ids).
    const lines = readFileSync(SAMPLE_NDJSON, 'utf8').split('\n');
    const vault = new Database(layout.vault, { readonly: true });
    const stored = vault.prepare('SELECT r.record_id, s.key_id FROM records r JOIN subjects s USING (subject_id) ORDER BY r.rowid LIMIT 1').get() as { record_id: string; key_id: string };
    const before = (vault.prepare('SELECT count(*) n FROM records').get() as { n: number }).n;
    vault.close();
    const line = lines.find((l) => l.includes(`"recordId":"${stored.record_id}"`))!;
    const more = Array.from({ length: 20 }, (_, i) => ({ ...(JSON.parse(line) as Record<string, unknown>), recordId: `${stored.record_id}-again-${i}` }));

    const attacker = generateX25519KeyPair();
    const ks = new Database(layout.keystore);
    expect(ks.prepare('UPDATE subject_keys SET public_key = ? WHERE key_id = ?').run(Buffer.from(attacker.publicKey), stored.key_id).changes).toBe(1);
    ks.close();

    const ingestor = await Ingestor.open({ dataDir });
    await expect(ingestor.ingest(more).done()).rejects.toMatchObject({ code: 'KEYSTORE_TAMPERED' });
    await ingestor.close();

    // Nothing was committed, and no object anywhere in the store opens with the attacker's key.
    const after = new Database(layout.vault, { readonly: true });
    expect((after.prepare('SELECT count(*) n FROM records').get() as { n: number }).n).toBe(before);
    after.close();
    const attackerId = new X25519Identity(attacker.secretKey);
    let tried = 0;
    for (const dir of ['segments', 'media']) {
      const folder = join(layout.objects, dir);
      if (!existsSync(folder)) continue;
      for (const name of readdirSync(folder)) {
        const bytes = readFileSync(join(folder, name));
        const parts = dir === 'segments' ? [...readSegment(bytes)].map((p) => p.bytes) : [bytes];
        for (const obj of parts) {
          tried++;
          expect(() => decryptObject(attackerId, obj, { context: 'any' })).toThrow(expect.objectContaining({ code: 'KEYS_WRONG' }));
        }
      }
    }
    expect(tried).toBeGreaterThan(100);

    await expect(exportDataset({ dataDir, out: join(tempDir(), 'x') })).rejects.toMatchObject({ code: 'KEYSTORE_TAMPERED' });
  });

  it('a wrapped key or MAC changed, or the MAC removed, is caught the same way at export', async () => {
    for (const change of ['wrapped_exporter = randomblob(104)', 'mac = randomblob(32)', 'mac = NULL', 'identity_public_key = NULL']) {
      const dataDir = tempDir();
      const layout = layoutOf({ dataDir });
      await ingestSample(dataDir);
      const ks = new Database(layout.keystore);
      ks.exec(`UPDATE subject_keys SET ${change} WHERE rowid = (SELECT min(rowid) FROM subject_keys)`);
      ks.close();
      await expect(exportDataset({ dataDir, out: join(tempDir(), 'x') }), change).rejects.toMatchObject({ code: 'KEYSTORE_TAMPERED' });
    }
  });
});

describe('a vault row pointed at another record\'s object', () => {
  const swap = async (sameSubject: boolean) => {
    const dataDir = tempDir();
    const layout = layoutOf({ dataDir });
    await ingestSample(dataDir);
    const db = new Database(layout.vault);
    const pair = db.prepare(`SELECT a.rowid AS a, b.rowid AS b FROM records a JOIN records b ON a.rowid < b.rowid
      AND (a.subject_id = b.subject_id) = ? JOIN subjects s ON s.subject_id = a.subject_id JOIN subjects t ON t.subject_id = b.subject_id
      WHERE s.status = 'active' AND t.status = 'active' LIMIT 1`).get(sameSubject ? 1 : 0) as { a: number; b: number };
    const cols = 'object_id, segment_id, offset, length';
    const rowOf = (rid: number) => db.prepare(`SELECT ${cols} FROM records WHERE rowid = ?`).get(rid) as { object_id: string; segment_id: string; offset: number; length: number };
    const [ra, rb] = [rowOf(pair.a), rowOf(pair.b)];
    const set = db.prepare('UPDATE records SET object_id = ?, segment_id = ?, offset = ?, length = ? WHERE rowid = ?');
    db.transaction(() => {
      set.run(rb.object_id, rb.segment_id, rb.offset, rb.length, pair.a);
      set.run(ra.object_id, ra.segment_id, ra.offset, ra.length, pair.b);
    })();
    db.close();
    return exportDataset({ dataDir, out: join(tempDir(), 'x') });
  };

  it('stops export with TAMPER_BINDING when two records of one subject swap objects', async () => {
    await expect(swap(true)).rejects.toMatchObject({ code: 'TAMPER_BINDING' });
  });

  it('stops export with TAMPER_BINDING when records of two subjects swap objects', async () => {
    await expect(swap(false)).rejects.toMatchObject({ code: 'TAMPER_BINDING' });
  });
});
