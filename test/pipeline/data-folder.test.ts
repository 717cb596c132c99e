/**
 * A data folder is initialised only when brand-new, and never patched up: a folder missing a
 * piece is refused by name (DATA_INCOMPLETE) and nothing is recreated. Files are 0600 and
 * folders 0700 whatever the umask; a key file others can read is refused (KEYS_PERMISSIONS).
 * Regression: a deleted vault.db or an emptied keys/ was silently recreated on the next ingest.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadRoleKeys } from '../../src/crypto/keys.js';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
/** The CLI under `sh -c 'umask U; ...'`: a real process with that umask. */
async function cli(args: string[], umask = '022'): Promise<{ code: number; stdout: string; stderr: string }> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  try {
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', `umask ${umask} && exec ${quoted}`], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const RECORDS = [
  {
    recordId: 'df-1', project: 'p', collectedAt: '2024-03-01T10:00:00+08:00',
    subject: { name: '王芳', phone: '13912345678', birthDate: '1990-05-01' },
    consent: { policyVersion: 'v1', grantedAt: '2024-03-01T09:00:00+08:00', scopes: ['text'], crossBorder: false, guardianConsent: false },
    business: { text: { note: 'hello' } },
  },
];

/** RECORDS as an NDJSON file, for the CLI. */
function recordsFile(): string {
  const path = join(tempDir(), 'records.ndjson');
  writeFileSync(path, RECORDS.map((r) => JSON.stringify(r) + '\n').join(''));
  return path;
}

/** A folder that has been used: one ingest done. */
async function usedFolder(): Promise<string> {
  const dataDir = join(tempDir(), 'data');
  const ingestor = await Ingestor.open({ dataDir, workers: 0 });
  await ingestor.ingest(RECORDS).done();
  await ingestor.close();
  return dataDir;
}

function tree(dir: string): { path: string; mode: number; dir: boolean }[] {
  const out: { path: string; mode: number; dir: boolean }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = statSync(p);
      out.push({ path: p.slice(dir.length), mode: st.mode & 0o777, dir: st.isDirectory() });
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe('data folder', () => {
  it('initialises an absent folder whole: stores, objects/, runs/ and the role keys', async () => {
    const dataDir = join(tempDir(), 'new');
    const notices: string[] = [];
    const ingestor = await Ingestor.open({ dataDir, workers: 0, onNotice: (m) => notices.push(m) });
    await ingestor.close();
    expect(readdirSync(dataDir).sort()).toEqual(['keys', 'keystore.db', 'objects', 'runs', 'vault.db', 'writer-lock.db']);
    expect(readdirSync(join(dataDir, 'keys')).sort()).toEqual(['audit.json', 'exporter.json', 'ingest.json', 'officer.json']);
    expect(notices.join('\n')).toMatch(/created role keys in/);
  });

  for (const [piece, how, damage] of [
    ['vault.db', 'deleted', (d: string) => rmSync(join(d, 'vault.db'))],
    ['vault.db', 'emptied', (d: string) => truncateSync(join(d, 'vault.db'), 0)],
    ['keystore.db', 'deleted', (d: string) => rmSync(join(d, 'keystore.db'))],
    ['objects/', 'deleted', (d: string) => rmSync(join(d, 'objects'), { recursive: true })],
    ['keys/ingest.json', 'emptied keys/', (d: string) => { for (const f of readdirSync(join(d, 'keys'))) rmSync(join(d, 'keys', f)); }],
    ['keys/ingest.json', 'deleted keys/', (d: string) => rmSync(join(d, 'keys'), { recursive: true })],
  ] as const) {
    it(`refuses a used folder whose ${piece} is gone (${how}), naming it, and recreates nothing`, async () => {
      const dataDir = await usedFolder();
      damage(dataDir);
      const before = tree(dataDir).map((e) => e.path).sort();
      const err = await Ingestor.open({ dataDir, workers: 0 }).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'DATA_INCOMPLETE' });
      expect((err as Error).message).toContain(piece);
      expect(tree(dataDir).map((e) => e.path).sort()).toEqual(before);
    });
  }

  it('refuses a folder holding something else than a data folder', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'notes.txt'), 'unrelated');
    await expect(Ingestor.open({ dataDir, workers: 0 })).rejects.toMatchObject({ code: 'DATA_INCOMPLETE' });
    expect(existsSync(join(dataDir, 'vault.db'))).toBe(false);
    expect(existsSync(join(dataDir, 'keys'))).toBe(false);
  });

  it('initialises a folder that holds only the keys `sunder keys` made, without new keys', async () => {
    const dataDir = join(tempDir(), 'd');
    expect((await cli(['--data', dataDir, 'keys'])).code).toBe(0);
    const ingest = await loadRoleKeys(layoutOf({ dataDir }).keysDir, 'ingest');
    const ingestor = await Ingestor.open({ dataDir, workers: 0 });
    expect((await ingestor.ingest(RECORDS).done()).stored).toBe(1);
    await ingestor.close();
    expect(await loadRoleKeys(layoutOf({ dataDir }).keysDir, 'ingest')).toEqual(ingest);
  });

  it('refuses a key file that group or others can read', async () => {
    const dataDir = await usedFolder();
    const keysDir = layoutOf({ dataDir }).keysDir;
    chmodSync(join(keysDir, 'ingest.json'), 0o644);
    await expect(Ingestor.open({ dataDir, workers: 0 })).rejects.toMatchObject({ code: 'KEYS_PERMISSIONS' });
    chmodSync(join(keysDir, 'exporter.json'), 0o640);
    await expect(loadRoleKeys(keysDir, 'exporter')).rejects.toMatchObject({ code: 'KEYS_PERMISSIONS' });
    chmodSync(join(keysDir, 'ingest.json'), 0o600);
    await (await Ingestor.open({ dataDir, workers: 0 })).close();
  });

  it('with umask 000, init and ingest still make every file 0600 and every folder 0700', async () => {
    const dataDir = join(tempDir(), 'u');
    expect((await cli(['--data', dataDir, 'init'], '000')).code).toBe(0);
    const r = await cli(['--data', dataDir, 'ingest', recordsFile()], '000');
    expect(r.code).toBe(0);
    const entries = tree(dataDir);
    expect(entries.filter((e) => e.path.startsWith('/objects/segments/')).length).toBeGreaterThan(0);
    expect(entries.filter((e) => e.path.startsWith('/runs/')).length).toBeGreaterThan(0);
    for (const e of entries) expect({ path: e.path, mode: e.mode.toString(8) }).toEqual({ path: e.path, mode: e.dir ? '700' : '600' });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('`sunder init --officer-out --exporter-out` leaves only ingest.json on the ingest host; export reads the exporter key from where it went', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data');
    const officerDir = join(root, 'officer');
    const exporterDir = join(root, 'exporter');
    mkdirSync(exporterDir);
    const init = await cli(['--data', dataDir, 'init', '--officer-out', join(officerDir, 'officer.json'), '--exporter-out', exporterDir]);
    expect(init.code).toBe(0);
    // The audit key stays with the data folder's log (docs/AUDIT.md); it opens nothing stored.
    expect(readdirSync(join(dataDir, 'keys')).sort()).toEqual(['audit.json', 'ingest.json']);
    expect(statSync(join(officerDir, 'officer.json')).mode & 0o777).toBe(0o600);
    expect(statSync(officerDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(exporterDir)).toEqual(['exporter.json']);
    expect((await cli(['--data', dataDir, 'ingest', recordsFile()])).code).toBe(0);
    const exp = await cli(['--data', dataDir, '--keys', exporterDir, 'export', '--out', join(root, 'out'), '--json']);
    expect(exp.code).toBe(0);
    expect(JSON.parse(exp.stdout.trim().split('\n').pop()!).records).toBeGreaterThan(0);
    // A second init changes nothing; an incomplete folder is refused by name.
    expect((await cli(['--data', dataDir, 'init'])).stdout).toMatch(/initialised already/);
    rmSync(join(dataDir, 'keystore.db'));
    const again = await cli(['--data', dataDir, 'init']);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/keystore\.db .*\(DATA_INCOMPLETE\)/);
    // `sunder keys` never overwrites.
    const keys = await cli(['--data', dataDir, 'keys']);
    expect(keys.code).toBe(2);
    expect(keys.stderr).toMatch(/refusing to overwrite/);
  });
});
