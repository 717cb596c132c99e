/**
 * Cryptographic role separation (format 2): every role's secrets tried against every kind of
 * object. The officer opens identity entries (and the display forms sealed in them), business
 * objects and media; the exporter opens business objects and media, never an identity entry; the
 * ingest role opens nothing. A role's "secrets" are its own key plus every stored subject key it
 * can unwrap from the key store, so a wrap to the wrong role would show up here.
 */
import Database from 'better-sqlite3';
import { cpSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { businessContext, identityContext, mediaContext } from '../../src/crypto/contexts.js';
import { decryptObject } from '../../src/crypto/format.js';
import { loadRoleKeys } from '../../src/crypto/keys.js';
import { STANZA_X25519, X25519Identity } from '../../src/crypto/recipient.js';
import { exportDataset } from '../../src/export/export.js';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { createMediaStep } from '../../src/pipeline/media-step.js';
import { FsObjectStore } from '../../src/store/fs.js';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

type Role = 'ingest' | 'officer' | 'exporter';
type Kind = 'identity entry' | 'display forms' | 'business object' | 'media';

interface KeyRow { key_id: string; wrapped_officer: Buffer; wrapped_exporter: Buffer; identity_wrapped_officer: Buffer }

describe('roles', () => {
  const dataDir = tempDir();
  const layout = layoutOf({ dataDir });
  const vaultKeys = join(tempDir(), 'officer-and-exporter');
  /** One object of each kind, with the context its vault row implies, and its subject's key row. */
  const objects: { kind: Kind; bytes: Uint8Array; context: string; keyRow: KeyRow; check: (plain: Record<string, unknown>) => void }[] = [];

  beforeAll(async () => {
    const ingestor = await Ingestor.open({ dataDir, media: createMediaStep });
    await ingestor.ingestFile(SAMPLE_NDJSON).done();
    await ingestor.close();
    // Only the ingest key stays on the "ingestion host".
    mkdirSync(vaultKeys, { recursive: true });
    renameSync(join(layout.keysDir, 'officer.json'), join(vaultKeys, 'officer.json'));
    renameSync(join(layout.keysDir, 'exporter.json'), join(vaultKeys, 'exporter.json'));
    const vault = new Database(layout.vault, { readonly: true });
    const ks = new Database(layout.keystore, { readonly: true });
    const keyRow = (keyId: string) => ks.prepare('SELECT key_id, wrapped_officer, wrapped_exporter, identity_wrapped_officer FROM subject_keys WHERE key_id = ?').get(keyId) as KeyRow;
    const store = new FsObjectStore(layout.objects);
    const m = vault.prepare(`SELECT m.object_id, m.kind, r.record_id, r.project, r.subject_id, s.pseudonym, s.key_id, g.object_key, r.offset, r.length
      FROM media m JOIN records r USING (record_id) JOIN subjects s USING (subject_id) JOIN segments g USING (segment_id) LIMIT 1`).get() as
      { object_id: string; kind: string; record_id: string; project: string; subject_id: string; pseudonym: string; key_id: string; object_key: string; offset: number; length: number };
    const entry = vault.prepare('SELECT entry FROM identities WHERE subject_id = ? LIMIT 1').get(m.subject_id) as { entry: Buffer };
    const row = keyRow(m.key_id);
    objects.push(
      { kind: 'identity entry', bytes: entry.entry, context: identityContext(m.subject_id), keyRow: row, check: (p) => expect(p).toMatchObject({ subjectId: m.subject_id, name: expect.any(String) }) },
      { kind: 'display forms', bytes: entry.entry, context: identityContext(m.subject_id), keyRow: row, check: (p) => expect(p.display).toMatchObject({ name: expect.any(String) }) },
      { kind: 'business object', bytes: await store.getRange(m.object_key, m.offset, m.length), context: businessContext(2, m.pseudonym, m.project, m.record_id), keyRow: row, check: (p) => expect(p.pseudonym).toBe(m.pseudonym) },
      { kind: 'media', bytes: readFileSync(join(layout.objects, 'media', m.object_id)), context: mediaContext(2, m.pseudonym, m.project, m.record_id, m.kind), keyRow: row, check: () => undefined },
    );
    vault.close();
    ks.close();
  });

  /** Every X25519 identity a role can get at: its own secrets, and every subject key they unwrap. */
  async function secretsOf(role: Role, row: KeyRow): Promise<X25519Identity[]> {
    if (role === 'ingest') {
      const k = await loadRoleKeys(layout.keysDir, 'ingest');
      return [k.indexKey, k.pseudonymKey, k.rowMacKey!].map((s) => new X25519Identity(s));
    }
    const k = await loadRoleKeys(vaultKeys, role);
    const own = new X25519Identity(k.secretKey);
    const out = [own];
    for (const wrapped of [row.wrapped_officer, row.wrapped_exporter, row.identity_wrapped_officer]) {
      const secret = own.unwrap([{ type: STANZA_X25519, body: wrapped }]);
      if (secret !== null) out.push(new X25519Identity(secret));
    }
    return out;
  }

  const EXPECTED: Record<Kind, Role[]> = {
    'identity entry': ['officer'],
    'display forms': ['officer'],
    'business object': ['officer', 'exporter'],
    media: ['officer', 'exporter'],
  };

  it('opens each kind of object with exactly the roles that should', async () => {
    const opened: Record<string, Role[]> = {};
    for (const o of objects) {
      opened[o.kind] = [];
      for (const role of ['ingest', 'officer', 'exporter'] as Role[]) {
        for (const id of await secretsOf(role, o.keyRow)) {
          let plain: Uint8Array;
          try {
            plain = decryptObject(id, o.bytes, { context: o.context });
          } catch (err) {
            expect(err).toMatchObject({ code: 'KEYS_WRONG' });
            continue;
          }
          if (o.kind !== 'media') o.check(JSON.parse(Buffer.from(plain).toString('utf8')) as Record<string, unknown>);
          if (!opened[o.kind]!.includes(role)) opened[o.kind]!.push(role);
        }
      }
    }
    expect(opened).toEqual(EXPECTED);
  });

  it('an ingest key alone cannot export (clear error)', async () => {
    await expect(exportDataset({ dataDir, out: join(tempDir(), 'x') })).rejects.toMatchObject({ code: 'KEYS_MISSING' });
  });

  it('the exporter exports; an officer key passed off as the exporter key is refused', async () => {
    const s = await exportDataset({ dataDir, keysDir: vaultKeys, out: join(tempDir(), 'x') });
    expect(s.records).toBeGreaterThan(0);
    expect(s.media).toBeGreaterThan(0);
    const wrongKeys = tempDir();
    cpSync(join(vaultKeys, 'officer.json'), join(wrongKeys, 'exporter.json'));
    await expect(exportDataset({ dataDir, keysDir: wrongKeys, out: join(tempDir(), 'x') })).rejects.toMatchObject({ code: 'KEYS_WRONG' });
  });

  it('a business object moved under another record\'s context does not open', async () => {
    const exporterIds = await secretsOf('exporter', objects[2]!.keyRow);
    const business = objects[2]!;
    const opener = exporterIds.find((id) => { try { decryptObject(id, business.bytes, { context: business.context }); return true; } catch { return false; } })!;
    const other = business.context.replace(/\|[^|]+$/, '|rec-someoneelse');
    expect(() => decryptObject(opener, business.bytes, { context: other })).toThrow(expect.objectContaining({ code: 'FORMAT_CONTEXT' }));
  });
});
