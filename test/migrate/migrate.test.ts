/**
 * `sunder migrate` on a version 1 data folder made with the version 1 CLI
 * (fixtures/v1-store/README.md): ingest refuses it until migrated; afterwards export gives the
 * same business data as the version 1 export did, the officer opens every identity entry (with
 * its display forms inside) and the exporter none, no masked form is left in the vault file;
 * and a migration killed at any of its steps, then rerun, ends in the same correct store.
 */
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identityContext } from '../../src/crypto/contexts.js';
import { decryptObject } from '../../src/crypto/format.js';
import { loadRoleKeys } from '../../src/crypto/keys.js';
import { SubjectKeyring } from '../../src/crypto/subject-keys.js';
import { exportDataset } from '../../src/export/export.js';
import { layoutOf } from '../../src/layout.js';
import { migrateDataFolder } from '../../src/migrate/migrate.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { readJsonl, SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/v1-store');
const MIGRATE_TS = join(import.meta.dirname, '../../src/migrate/migrate.ts');

function copyFixture(): string {
  const dataDir = join(tempDir(), 'data');
  cpSync(FIXTURE, dataDir, { recursive: true });
  for (const f of readdirSync(join(dataDir, 'keys'))) chmodSync(join(dataDir, 'keys', f), 0o600);
  return dataDir;
}

/** An export line without what is re-keyed per export (ids, pseudonyms, media file names). */
function comparable(line: Record<string, unknown>): string {
  const { id: _id, pseudonym: _p, media, ...rest } = line as { id: string; pseudonym: string; media?: Record<string, unknown>[] };
  return JSON.stringify({ ...rest, media: (media ?? []).map(({ id: _i, file: _f, ...m }) => m) });
}

interface Entry { subject_id: string; entry: Buffer; key_id: string }

/** Opens every identity entry with each role's reachable subject keys; counts who opened what. */
async function openEntries(dataDir: string): Promise<{ entries: number; officer: number; exporter: number; displays: number }> {
  const layout = layoutOf({ dataDir });
  const vault = new Database(layout.vault, { readonly: true });
  const ks = new Database(layout.keystore, { readonly: true });
  const entries = vault.prepare('SELECT i.subject_id, i.entry, s.key_id FROM identities i JOIN subjects s USING (subject_id)').all() as Entry[];
  const cols = (ks.prepare("SELECT name FROM pragma_table_info('subject_keys')").all() as { name: string }[]).map((c) => c.name);
  const rowOf = ks.prepare(`SELECT wrapped_officer, wrapped_exporter${cols.includes('identity_wrapped_officer') ? ', identity_wrapped_officer' : ''} FROM subject_keys WHERE key_id = ?`);
  const result = { entries: entries.length, officer: 0, exporter: 0, displays: 0 };
  for (const role of ['officer', 'exporter'] as const) {
    const keys = await loadRoleKeys(layout.keysDir, role);
    for (const e of entries) {
      const w = rowOf.get(e.key_id) as Record<string, Buffer | null>;
      for (const [name, side] of [['wrapped_officer', 'business'], ['wrapped_exporter', 'business'], ['identity_wrapped_officer', 'identity']] as const) {
        const wrapped = w[name];
        if (wrapped === null || wrapped === undefined) continue;
        let plain: Uint8Array;
        try {
          plain = decryptObject(new SubjectKeyring(keys).identity(e.key_id, wrapped, side), e.entry, { context: identityContext(e.subject_id) });
        } catch (err) {
          expect((err as { code: string }).code).toBe('KEYS_WRONG');
          continue;
        }
        result[role]++;
        if (role === 'officer' && typeof (JSON.parse(Buffer.from(plain).toString('utf8')) as { display?: unknown }).display === 'object') result.displays++;
        break;
      }
    }
  }
  vault.close();
  ks.close();
  return result;
}

const masked = /\d{3}\*{4}\d{4}|\d{6}\*{11}[\dX]/;

async function checkMigrated(dataDir: string): Promise<void> {
  const layout = layoutOf({ dataDir });
  // Business data: the same as the version 1 exporter wrote, line for line.
  const out = join(tempDir(), 'export');
  const s = await exportDataset({ dataDir, out });
  const expected = readJsonl<Record<string, unknown>>(join(FIXTURE, 'expected-export.jsonl')).map(comparable).sort();
  const got = readJsonl<Record<string, unknown>>(join(out, 'manifest.jsonl')).map(comparable).sort();
  expect(got).toEqual(expected);
  expect(s.media).toBe(7);
  // Identity entries: the officer opens all (display forms inside), the exporter none.
  const opened = await openEntries(dataDir);
  expect(opened).toEqual({ entries: 49, officer: 49, exporter: 0, displays: 49 });
  // No masked form left anywhere in the vault's bytes.
  for (const f of [layout.vault, `${layout.vault}-wal`]) {
    if (existsSync(f)) expect(masked.test(readFileSync(f).toString('latin1'))).toBe(false);
  }
  // Ingest accepts the store now, and what it adds (version 2 objects) exports beside the old ones.
  const ingestor = await Ingestor.open({ dataDir });
  const run = await ingestor.ingestFile(SAMPLE_NDJSON).done();
  await ingestor.close();
  expect(run.stored).toBeGreaterThan(0);
  // (Every active subject's record, old and new: the later sample lines withdraw some subjects.)
  const db = new Database(layout.vault, { readonly: true });
  const active = (db.prepare("SELECT count(*) n FROM records r JOIN subjects s USING (subject_id) WHERE s.status = 'active'").get() as { n: number }).n;
  const newer = (db.prepare('SELECT count(*) n FROM records WHERE binding = 2').get() as { n: number }).n;
  db.close();
  expect(newer).toBe(run.stored);
  expect((await exportDataset({ dataDir, out: join(tempDir(), 'export2') })).records).toBe(active);
}

describe('sunder migrate', () => {
  it('the fixture is a version 1 store: masked forms in clear, the exporter opens identity entries, ingest refuses it', async () => {
    const dataDir = copyFixture();
    expect(masked.test(readFileSync(join(dataDir, 'vault.db')).toString('latin1'))).toBe(true);
    expect(await openEntries(dataDir)).toMatchObject({ entries: 49, officer: 49, exporter: 49 });
    await expect(Ingestor.open({ dataDir })).rejects.toMatchObject({ code: 'STORE_VERSION', message: expect.stringMatching(/sunder migrate/) });
    // A version 1 store still exports with its version 1 keys.
    expect((await exportDataset({ dataDir, out: join(tempDir(), 'x') })).records).toBe(110);
  });

  it('upgrades it: same business data, identity entries for the officer only, no masked form left; a rerun changes nothing', async () => {
    const dataDir = copyFixture();
    const report = await migrateDataFolder({ dataDir });
    expect(report).toEqual({ alreadyCurrent: false, keyFilesUpgraded: 3, subjectsKeyed: 41, entriesResealed: 49, entriesShredded: 0, v1Records: 110 });
    await checkMigrated(dataDir);
    expect(await migrateDataFolder({ dataDir })).toMatchObject({ alreadyCurrent: true });
    const keysDir = layoutOf({ dataDir }).keysDir;
    expect((await loadRoleKeys(keysDir, 'ingest')).version).toBe(2);
    expect((await loadRoleKeys(keysDir, 'officer')).version).toBe(2);
    expect((await loadRoleKeys(keysDir, 'exporter')).version).toBe(2);
  });

  it('killed at each step and rerun, ends in the same correct store', async () => {
    const dataDir = copyFixture();
    // Units of work with 10 rows a transaction: 3 key files, 5 key-row chunks, 5 entry chunks,
    // the column drop, the version marks. Each run is killed a little further on: between key
    // files, between key-row chunks, right after the first entry chunk, between entry chunks.
    const kills: number[] = [];
    for (const k of [2, 4, 3, 2]) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '-e',
        `import(${JSON.stringify(MIGRATE_TS)}).then((m) => m.migrateDataFolder({ dataDir: ${JSON.stringify(dataDir)}, chunk: 10 }))`],
      { env: { ...process.env, SUNDER_MIGRATE_KILL_AFTER: String(k) }, encoding: 'utf8' });
      if (run.signal === 'SIGKILL') kills.push(k);
      else expect(run.status, run.stderr).toBe(0);
    }
    // Killed mid-way several times (every step is then redone or skipped, never half-applied).
    expect(kills).toEqual([2, 4, 3, 2]);
    const vault = new Database(join(dataDir, 'vault.db'), { readonly: true });
    const left = (vault.prepare("SELECT count(*) n FROM identities WHERE display <> ''").get() as { n: number }).n;
    vault.close();
    expect(left).toBe(19);
    const report = await migrateDataFolder({ dataDir, chunk: 10 });
    expect(report).toMatchObject({ alreadyCurrent: false, keyFilesUpgraded: 0, subjectsKeyed: 0, entriesResealed: left });
    await checkMigrated(dataDir);
  });
});
