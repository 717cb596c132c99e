/**
 * resolveConfig: flag > environment > config file > default for every setting, the file found by
 * --config, SUNDER_CONFIG or in the working directory, checked by its zod schema with errors that
 * name the file and the key path but never a value; `sunder config show` masks every secret.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/config/mask.js';
import { layoutOptionsOf, resolveConfig, storeEnvOf, storeUrlOf } from '../../src/config/resolve.js';
import { parseStoreUrl } from '../../src/config/store-url.js';
import { tempDir } from '../helpers/tmp.js';

const SECRET = 'pa55-never-shown';
const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
async function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SUNDER_')));
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, env: { ...clean, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function folderWith(name: string, text: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, name), text);
  return dir;
}

const errorOf = (f: () => unknown): Error & { code?: string; path?: unknown } => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
};

describe('resolveConfig', () => {
  it('with nothing set: the embedded default, every value a default', () => {
    const cwd = tempDir();
    const c = resolveConfig({ cwd, env: {} });
    expect(c.file).toBeUndefined();
    expect(c.data).toEqual({ value: join(cwd, 'sunder-data'), source: 'default', origin: 'default' });
    expect(c.keys.value).toBe(join(cwd, 'sunder-data', 'keys'));
    expect([c.store, c.vault, c.keystore, c.policy]).toEqual([undefined, undefined, undefined, undefined]);
    expect(layoutOptionsOf(c)).toEqual({ dataDir: join(cwd, 'sunder-data') });
  });

  it('ranks flag over environment over file over default, key by key', () => {
    const cwd = folderWith('sunder.config.json', JSON.stringify({ data: 'file-data', keys: 'file-keys', vault: 'file-vault.db', keystore: 'postgres://h/ks', policy: 'p.json' }));
    const env = { SUNDER_DATA: 'env-data', SUNDER_VAULT: 'sqlite:///env/vault.db' };
    const c = resolveConfig({ cwd, env, flags: { data: 'flag-data' } });
    expect(c.file).toEqual({ path: join(cwd, 'sunder.config.json'), source: 'cwd' });
    expect(c.data).toEqual({ value: join(cwd, 'flag-data'), source: 'flag', origin: '--data' });
    expect(c.vault).toEqual({ value: 'sqlite:///env/vault.db', source: 'env', origin: 'SUNDER_VAULT' });
    expect(c.keys).toMatchObject({ value: join(cwd, 'file-keys'), source: 'file' });
    expect(c.keystore).toMatchObject({ value: 'postgres://h/ks', source: 'file' });
    expect(c.policy).toMatchObject({ value: join(cwd, 'p.json'), source: 'file' });
    // Without the flag the environment wins; without both, the file.
    expect(resolveConfig({ cwd, env }).data.source).toBe('env');
    expect(resolveConfig({ cwd, env: {} }).data).toMatchObject({ value: join(cwd, 'file-data'), source: 'file' });
    // An empty variable counts as unset.
    expect(resolveConfig({ cwd, env: { SUNDER_DATA: '' } }).data.source).toBe('file');
  });

  it('makes plain paths URLs the store openers take, relative to the file\'s own folder', () => {
    const root = tempDir();
    mkdirSync(join(root, 'conf'));
    writeFileSync(join(root, 'conf', 'sunder.config.yml'), 'store: objects\nvault: db/vault.db\nkeystore: sqlite:///abs/ks.db\n');
    const c = resolveConfig({ cwd: root, env: {}, flags: { config: 'conf/sunder.config.yml' } });
    expect(c.file).toEqual({ path: join(root, 'conf', 'sunder.config.yml'), source: 'flag' });
    expect(c.store!.value).toBe(`file://${join(root, 'conf', 'objects')}`);
    expect(parseStoreUrl(c.store!.value)).toEqual({ kind: 'file', path: join(root, 'conf', 'objects') });
    expect(c.vault!.value).toBe(`sqlite://${join(root, 'conf', 'db', 'vault.db')}`);
    expect(c.keystore!.value).toBe('sqlite:///abs/ks.db');
  });

  it('finds the file by SUNDER_CONFIG; --config wins over it; two files in one folder are refused', () => {
    const a = folderWith('a.yaml', 'data: from-a\n');
    const b = folderWith('b.json', '{"data": "from-b"}');
    expect(resolveConfig({ cwd: a, env: { SUNDER_CONFIG: join(a, 'a.yaml') } }).data.value).toBe(join(a, 'from-a'));
    expect(resolveConfig({ cwd: a, env: { SUNDER_CONFIG: join(a, 'a.yaml') }, flags: { config: join(b, 'b.json') } }).data.value).toBe(join(b, 'from-b'));
    const both = folderWith('sunder.config.json', '{}');
    writeFileSync(join(both, 'sunder.config.yaml'), '{}');
    expect(errorOf(() => resolveConfig({ cwd: both, env: {} }))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(errorOf(() => resolveConfig({ cwd: a, env: {}, flags: { config: 'missing.yaml' } }))).toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('names the key path of a bad value but never the value', () => {
    const cases: [string, string, RegExp, (string | number)[]][] = [
      ['sunder.config.json', JSON.stringify({ vault: `mysql://u:${SECRET}@h/db` }), /vault: scheme/, ['sunder.config.json: vault', 'scheme']],
      ['sunder.config.json', JSON.stringify({ s3: { region: SECRET.toUpperCase() } }), /`s3\.region` is not valid/, ['s3', 'region']],
      ['sunder.config.json', JSON.stringify({ s3: { endpoint: `ftp://${SECRET}` } }), /`s3\.endpoint` expected an http/, ['s3', 'endpoint']],
      ['sunder.config.json', JSON.stringify({ s3: { forcePathStyle: SECRET } }), /`s3\.forcePathStyle` expected boolean/, ['s3', 'forcePathStyle']],
      ['sunder.config.json', JSON.stringify({ s3: { sse: SECRET } }), /`s3\.sse` expected "AES256"/, ['s3', 'sse']],
      ['sunder.config.yaml', `s3:\n  edpoint: ${SECRET}\n`, /unknown key `s3\.edpoint`/, ['s3', 'edpoint']],
      ['sunder.config.yaml', `data: [${SECRET}\n`, /not valid YAML \(line \d+\)/, []],
      ['sunder.config.json', `{"data": "${SECRET}`, /not valid JSON/, []],
      ['sunder.config.json', JSON.stringify({ store: `s3://x:${SECRET}@bucket/p` }), /store: credentials/, ['sunder.config.json: store', 'credentials']],
    ];
    for (const [name, text, message, path] of cases) {
      const err = errorOf(() => resolveConfig({ cwd: folderWith(name, text), env: {} }));
      expect(err, text).toMatchObject({ code: 'CONFIG_INVALID', path });
      expect(err.message, text).toMatch(message);
      expect(err.message.toLowerCase(), text).not.toContain(SECRET.toLowerCase());
    }
    const flagErr = errorOf(() => resolveConfig({ cwd: tempDir(), env: { SUNDER_STORE: `ftp://${SECRET}` } }));
    expect(flagErr.message).toMatch(/^\[sunder\] SUNDER_STORE: scheme/);
    expect(flagErr.message).not.toContain(SECRET);
  });

  it('gives an s3: store the file\'s s3 settings unless its URL has its own, and the endpoint through the environment', () => {
    const cwd = folderWith('sunder.config.yaml', 'store: s3://bucket/pre?region=us-east-1\ns3:\n  endpoint: http://127.0.0.1:4569\n  region: eu-west-1\n  forcePathStyle: true\n  sse: { mode: aws:kms, kmsKeyId: k-1 }\n');
    const c = resolveConfig({ cwd, env: {} });
    expect(parseStoreUrl(storeUrlOf(c)!)).toEqual({ kind: 's3', bucket: 'bucket', prefix: 'pre', region: 'us-east-1', pathStyle: true, serverSideEncryption: { mode: 'aws:kms', kmsKeyId: 'k-1' } });
    expect(storeEnvOf(c, {}).SUNDER_S3_ENDPOINT).toBe('http://127.0.0.1:4569');
    expect(resolveConfig({ cwd, env: { SUNDER_S3_ENDPOINT: 'http://other:1' } }).s3.endpoint).toMatchObject({ value: 'http://other:1', source: 'env' });
  });

  it('masks URL passwords and password= parameters', () => {
    expect(maskSecrets(`postgres://app:${SECRET}@db/sunder`)).toBe('postgres://app:***@db/sunder');
    expect(maskSecrets(`postgresql://db/sunder?sslmode=require&password=${SECRET}&application_name=x`)).toBe('postgresql://db/sunder?sslmode=require&password=***&application_name=x');
    expect(maskSecrets(`host=db user=app password='${SECRET} x' dbname=s`)).toBe('host=db user=app password=*** dbname=s');
    expect(maskSecrets(`postgres://db/s?sslpassword=${SECRET}`)).toBe('postgres://db/s?sslpassword=***');
    expect(maskSecrets('sqlite:///var/lib/sunder/vault.db')).toBe('sqlite:///var/lib/sunder/vault.db');
  });
});

describe('the CLI reads the same configuration', () => {
  it('`sunder config show` prints each value and its source, secrets masked, in text and JSON', async () => {
    const cwd = folderWith('sunder.config.yaml', `data: d\nvault: postgres://app:${SECRET}@db.example/sunder?password=${SECRET}\ns3:\n  sse: { mode: aws:kms, kmsKeyId: ${SECRET} }\n`);
    const env = { SUNDER_KEYSTORE: `postgres://ks:${SECRET}@other/keys` };
    const text = await cli(['--keys', 'k', 'config', 'show'], cwd, env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toContain(SECRET);
    expect(text.stdout).toMatch(/^vault +postgres:\/\/app:\*\*\*@db\.example\/sunder\?password=\*\*\* +config file$/m);
    expect(text.stdout).toMatch(/^keystore +postgres:\/\/ks:\*\*\*@other\/keys +env SUNDER_KEYSTORE$/m);
    expect(text.stdout).toMatch(/^keys +\S+\/k +flag --keys$/m);
    const json = await cli(['config', 'show', '--json'], cwd, env);
    expect(json.stdout).not.toContain(SECRET);
    const shown = JSON.parse(json.stdout) as { file: { source: string }; settings: Record<string, { value: unknown; source: string }> };
    expect(shown.file.source).toBe('cwd');
    expect(shown.settings.data).toMatchObject({ value: join(cwd, 'd'), source: 'file' });
    expect(shown.settings.store).toMatchObject({ value: join(cwd, 'd', 'objects'), source: 'default' });
    expect(shown.settings['s3.sse']!.value).toBe('aws:kms (key id ***)');
  });

  it('ingest and export use the data folder and policy the config file names; a bad file stops with exit 2 before anything is made', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'p.json'), JSON.stringify({ input: { maxMediaBytes: 10 } }));
    writeFileSync(join(cwd, 'sunder.config.json'), JSON.stringify({ data: 'from-config', policy: 'p.json' }));
    const record = {
      recordId: 'cfg-1', project: 'p', collectedAt: '2024-03-01T10:00:00+08:00', subject: { name: '王芳', phone: '13912345678', birthDate: '1990-05-01' },
      consent: { policyVersion: 'v1', grantedAt: '2024-03-01T09:00:00+08:00', scopes: ['text'], crossBorder: false, guardianConsent: false },
      business: { text: { note: 'hello' } },
    };
    writeFileSync(join(cwd, 'r.ndjson'), JSON.stringify(record) + '\n');
    const r = await cli(['ingest', 'r.ndjson', '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cwd, 'from-config', 'vault.db'))).toBe(true);
    expect(existsSync(join(cwd, 'sunder-data'))).toBe(false);
    const e = await cli(['export', '--out', 'out', '--json'], cwd);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout.trim()).records).toBe(1);
    // The audit commands read it too.
    expect((await cli(['audit', 'verify'], cwd)).code).toBe(0);

    writeFileSync(join(cwd, 'sunder.config.json'), JSON.stringify({ data: 'elsewhere', vault: `mysql://u:${SECRET}@h/db` }));
    const bad = await cli(['ingest', 'r.ndjson'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/vault: scheme.*\(CONFIG_INVALID\)$/m);
    expect(bad.stderr).not.toContain(SECRET);
    expect(existsSync(join(cwd, 'elsewhere'))).toBe(false);
  });
});
