/**
 * Reader keys (officer, exporter) are made only when asked for, and their secrets go where the
 * operator says. The one exception, a brand-new folder with no keys at all (the README's
 * two-command trial), says loudly what it made and where. A keys folder that holds any role file
 * never gets new ones, and a missing key file is KEYS_MISSING naming the file.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRoleKeys } from '../../src/crypto/keys.js';
import { exportDataset } from '../../src/export/export.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const RECORD = {
  recordId: 'kc-1', project: 'p', collectedAt: '2024-03-01T10:00:00+08:00',
  subject: { name: '王芳', phone: '13912345678', birthDate: '1990-05-01' },
  consent: { policyVersion: 'v1', grantedAt: '2024-03-01T09:00:00+08:00', scopes: ['text'], crossBorder: false, guardianConsent: false },
  business: { text: { note: 'hello' } },
};

function recordsFile(): string {
  const file = join(tempDir(), 'records.ndjson');
  writeFileSync(file, JSON.stringify(RECORD) + '\n');
  return file;
}

const roleFiles = (dir: string) => readdirSync(dir).filter((f) => f !== 'audit.json').sort();

describe('making the role keys', () => {
  it('the first ingest of a brand-new folder says it generated the officer and exporter secrets, and where (trial default)', async () => {
    const data = join(tempDir(), 'd');
    const r = await cli(['--data', data, 'ingest', recordsFile()]);
    expect(r.code, r.stderr).toBe(0);
    const keys = join(data, 'keys');
    expect(r.stderr).toContain(`created role keys in ${keys}: ingest.json`);
    expect(r.stderr).toMatch(/generated the officer and exporter SECRET keys in .* \(officer\.json, exporter\.json\) for a one-machine trial/);
    expect(r.stderr).toContain('sunder keys --officer-out F --exporter-out F');
    expect(roleFiles(keys)).toEqual(['exporter.json', 'ingest.json', 'officer.json']);
    // The quickstart's second command works with what the first made.
    expect((await cli(['--data', data, 'export', '--out', join(tempDir(), 'out')])).code).toBe(0);
  });

  it('--officer-out and --exporter-out on the first ingest leave only ingest.json in the keys folder', async () => {
    const root = tempDir();
    const data = join(root, 'd');
    const officer = join(root, 'officer-usb');
    mkdirSync(officer);
    const r = await cli(['--data', data, 'ingest', recordsFile(), '--officer-out', officer, '--exporter-out', join(root, 'exp', 'exporter.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/SECRET/);
    expect(r.stderr).toContain(`officer's secret key to ${officer}/officer.json`);
    expect(roleFiles(join(data, 'keys'))).toEqual(['ingest.json']);
    expect(readdirSync(officer)).toEqual(['officer.json']);
    expect(existsSync(join(root, 'exp', 'exporter.json'))).toBe(true);
    // Asked again where keys exist: refused, not ignored.
    const again = await cli(['--data', data, 'ingest', recordsFile(), '--exporter-out', join(root, 'elsewhere')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/role keys exist already .*--exporter-out has nothing to write.*\(CONFIG_INVALID\)$/m);
    expect(existsSync(join(root, 'elsewhere'))).toBe(false);
    const init = await cli(['--data', data, 'init', '--officer-out', join(root, 'elsewhere')]);
    expect(init.code).toBe(2);
    expect(init.stderr).toMatch(/\(CONFIG_INVALID\)$/m);
  });

  it('a keys folder holding only ingest.json never gets reader keys; export names the missing exporter.json', async () => {
    const root = tempDir();
    const keys = join(root, 'ingest-host-keys');
    await createRoleKeys(keys, { officer: join(root, 'officer.json'), exporter: join(root, 'exporter.json') });
    const data = join(root, 'd');
    const ingestor = await Ingestor.open({ dataDir: data, keysDir: keys, workers: 0 });
    expect((await ingestor.ingest([RECORD]).done()).stored).toBe(1);
    await ingestor.close();
    expect(roleFiles(keys)).toEqual(['ingest.json']);
    const err = await exportDataset({ dataDir: data, keysDir: keys, out: join(root, 'out') }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'KEYS_MISSING' });
    expect((err as Error).message).toContain(join(keys, 'exporter.json'));
    expect((err as Error).message).toMatch(/never made again/);
    expect(roleFiles(keys)).toEqual(['ingest.json']);
    const r = await cli(['--data', data, '--keys', keys, 'export', '--out', join(root, 'out2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no exporter key at .*exporter\.json.*\(KEYS_MISSING\)$/m);
  });

  it('a keys folder holding a reader key but no ingest.json is KEYS_MISSING naming ingest.json, and nothing is made', async () => {
    const root = tempDir();
    const keys = join(root, 'keys');
    await createRoleKeys(join(root, 'all'));
    mkdirSync(keys, { mode: 0o700 });
    writeFileSync(join(keys, 'officer.json'), '{}', { mode: 0o600 });
    const err = await Ingestor.open({ dataDir: join(root, 'd'), keysDir: keys, workers: 0 }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'KEYS_MISSING' });
    expect((err as Error).message).toContain(join(keys, 'ingest.json'));
    expect(roleFiles(keys)).toEqual(['officer.json']);
  });
});
