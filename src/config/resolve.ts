/**
 * One place that decides every setting: a flag, else an environment variable, else the
 * configuration file, else the default. The CLI and the library both call `resolveConfig`, so
 * they never disagree about where the data or a store is. Each value says where it came from,
 * for `sunder config show`. Errors name the setting and its source, never its value: a URL may
 * hold a password.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { SunderError } from '../errors.js';
import { DEFAULT_DATA_DIR } from '../layout.js';
import type { S3ServerSideEncryption } from '../store/s3.js';
import { configSchema, type ConfigFile } from './schema.js';
import { parseStoreUrl } from './store-url.js';

export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export interface Setting<T = string> {
  value: T;
  source: ConfigSource;
  /** The flag, the environment variable or the file the value came from (`--data`, `SUNDER_DATA`, a path). */
  origin: string;
}

export interface ResolvedConfig {
  /** The configuration file read, if any, and how it was found. */
  file?: { path: string; source: 'flag' | 'env' | 'cwd' };
  /** Data folder, absolute. */
  data: Setting;
  /** Keys folder, absolute (default `<data>/keys`). */
  keys: Setting;
  /** Object store URL (a plain path becomes `file://`); absent: `<data>/objects`. */
  store?: Setting;
  /** Vault URL (a plain path becomes `sqlite://`); absent: `<data>/vault.db`. */
  vault?: Setting;
  /** Key store URL, as `vault`; absent: `<data>/keystore.db`. */
  keystore?: Setting;
  /** Policy file, absolute. */
  policy?: Setting;
  s3: {
    endpoint?: Setting;
    region?: Setting;
    forcePathStyle?: Setting<boolean>;
    sse?: Setting<S3ServerSideEncryption>;
  };
}

/** Values given on the command line (or by a library caller, which counts as a flag). */
export interface ConfigFlags {
  config?: string;
  data?: string;
  keys?: string;
  store?: string;
  vault?: string;
  keystore?: string;
  policy?: string;
}

export interface ResolveOptions {
  flags?: ConfigFlags;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where relative flags and variables, and the file search, start. @default process.cwd() */
  cwd?: string;
}

export const CONFIG_FILE_NAMES = ['sunder.config.json', 'sunder.config.yaml', 'sunder.config.yml'] as const;

/** Environment variable of each setting. */
export const CONFIG_ENV = {
  config: 'SUNDER_CONFIG', data: 'SUNDER_DATA', keys: 'SUNDER_KEYS', store: 'SUNDER_STORE',
  vault: 'SUNDER_VAULT', keystore: 'SUNDER_KEYSTORE', policy: 'SUNDER_POLICY', s3Endpoint: 'SUNDER_S3_ENDPOINT',
} as const;

type Key = 'data' | 'keys' | 'store' | 'vault' | 'keystore' | 'policy';

function invalid(field: string, expected: string, path: (string | number)[]): SunderError {
  return new SunderError('CONFIG_INVALID', `${field}: ${expected}`, { path });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': return `expected ${issue.expected}`;
    case 'invalid_value': return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'expected an http:// or https:// URL';
      return issue.path.join('.') === 's3.region' ? 'is not valid: expected an AWS region name such as eu-west-1' : 'is not valid';
    case 'too_small': return 'must not be empty';
    case 'invalid_union': return 'expected "AES256", "aws:kms", or { "mode": "aws:kms", "kmsKeyId": "…" }';
    default: return 'is not valid';
  }
}

/** Reads and checks a configuration file (`.json`, else YAML). Errors name the file and the key path. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    throw new SunderError('FILE_NOT_FOUND', `config file not found: ${path}`);
  }
  let raw: unknown;
  if (path.endsWith('.json')) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw invalid(path, 'not valid JSON', []);
    }
  } else {
    try {
      raw = parseYaml(text);
    } catch (err) {
      // The parser's message quotes the line, which may hold a secret: give the position only.
      const at = err instanceof YAMLParseError && err.linePos !== undefined ? ` (line ${err.linePos[0].line})` : '';
      throw invalid(path, `not valid YAML${at}`, []);
    }
  }
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const where = [...issue.path, issue.keys[0]!].map(String);
      throw invalid(path, `unknown key \`${where.join('.')}\` (expected data, keys, store, vault, keystore, s3 {endpoint, region, forcePathStyle, sse}, policy)`, where);
    }
    const where = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    throw invalid(path, `${where.length === 0 ? 'the file' : `\`${where.join('.')}\``} ${describeIssue(issue)}`, where);
  }
  return parsed.data;
}

/** The configuration file to read: `--config`, else SUNDER_CONFIG, else one in `cwd`. */
function findConfigFile(flags: ConfigFlags, env: NodeJS.ProcessEnv, cwd: string): ResolvedConfig['file'] {
  if (flags.config !== undefined) return { path: resolve(cwd, flags.config), source: 'flag' };
  const fromEnv = env[CONFIG_ENV.config];
  if (fromEnv !== undefined && fromEnv !== '') return { path: resolve(cwd, fromEnv), source: 'env' };
  const found = CONFIG_FILE_NAMES.filter((n) => existsSync(join(cwd, n)));
  if (found.length > 1) {
    throw invalid(cwd, `${found.join(' and ')} both exist; keep one, or name it with --config`, ['config']);
  }
  return found.length === 1 ? { path: join(cwd, found[0]!), source: 'cwd' } : undefined;
}

const hasScheme = (v: string) => /^[a-z][a-z0-9+.-]*:/i.test(v);

/** A value as stored: paths made absolute against `base`, plain store and database paths made URLs. */
function normalise(key: Key, value: string, base: string, field: string): string {
  if (key === 'data' || key === 'keys' || key === 'policy') return resolve(base, value);
  if (!hasScheme(value)) {
    const abs = resolve(base, value);
    return key === 'store' ? pathToFileURL(abs).href : `sqlite://${abs}`;
  }
  if (key === 'store') {
    parseStoreUrl(value, field); // checked here, so the error names where the value came from
    return value;
  }
  const scheme = value.slice(0, value.indexOf(':')).toLowerCase();
  if (!['sqlite', 'postgres', 'postgresql'].includes(scheme)) throw invalid(field, 'scheme: expected sqlite:, postgres: or a file path', [field, 'scheme']);
  return value;
}

export function resolveConfig(options: ResolveOptions = {}): ResolvedConfig {
  const flags = options.flags ?? {};
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = findConfigFile(flags, env, cwd);
  const fromFile: ConfigFile = file === undefined ? {} : readConfigFile(file.path);
  const fileDir = file === undefined ? cwd : dirname(file.path);
  const fileName = file === undefined ? '' : basename(file.path);

  const pick = (key: Key): Setting | undefined => {
    const flag = flags[key];
    if (flag !== undefined && flag !== '') return { value: normalise(key, flag, cwd, `--${key}`), source: 'flag', origin: `--${key}` };
    const envName = CONFIG_ENV[key];
    const e = env[envName];
    if (e !== undefined && e !== '') return { value: normalise(key, e, cwd, envName), source: 'env', origin: envName };
    const f = fromFile[key];
    if (f !== undefined) return { value: normalise(key, f, fileDir, `${fileName}: ${key}`), source: 'file', origin: file!.path };
    return undefined;
  };

  const data = pick('data') ?? { value: resolve(cwd, DEFAULT_DATA_DIR), source: 'default', origin: 'default' };
  const keys = pick('keys') ?? { value: join(data.value, 'keys'), source: 'default', origin: 'default' };
  const out: ResolvedConfig = { data, keys, s3: {} };
  if (file !== undefined) out.file = file;
  for (const key of ['store', 'vault', 'keystore', 'policy'] as const) {
    const s = pick(key);
    if (s !== undefined) out[key] = s;
  }
  const fileSetting = <T>(value: T): Setting<T> => ({ value, source: 'file', origin: file!.path });
  const endpointEnv = env[CONFIG_ENV.s3Endpoint];
  if (endpointEnv !== undefined && endpointEnv !== '') out.s3.endpoint = { value: endpointEnv, source: 'env', origin: CONFIG_ENV.s3Endpoint };
  else if (fromFile.s3?.endpoint !== undefined) out.s3.endpoint = fileSetting(fromFile.s3.endpoint);
  if (fromFile.s3?.region !== undefined) out.s3.region = fileSetting(fromFile.s3.region);
  if (fromFile.s3?.forcePathStyle !== undefined) out.s3.forcePathStyle = fileSetting(fromFile.s3.forcePathStyle);
  const sse = fromFile.s3?.sse;
  if (sse !== undefined) out.s3.sse = fileSetting(typeof sse === 'string' ? { mode: sse } : { mode: sse.mode, kmsKeyId: sse.kmsKeyId });
  return out;
}

/** `Ingestor.open` / `exportDataset` folder options: the keys folder only when it is not the default. */
export function layoutOptionsOf(config: ResolvedConfig): { dataDir: string; keysDir?: string } {
  return { dataDir: config.data.value, ...(config.keys.source === 'default' ? {} : { keysDir: config.keys.value }) };
}

/**
 * The object store URL to open: an `s3:` URL gets the file's `s3` settings as query parameters
 * where it has none of its own (the URL wins).
 */
export function storeUrlOf(config: ResolvedConfig): string | undefined {
  const store = config.store?.value;
  if (store === undefined || !store.startsWith('s3:')) return store;
  const url = new URL(store);
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined && !url.searchParams.has(name)) url.searchParams.set(name, value);
  };
  set('region', config.s3.region?.value);
  set('path-style', config.s3.forcePathStyle === undefined ? undefined : String(config.s3.forcePathStyle.value));
  if (config.s3.sse !== undefined && !url.searchParams.has('sse')) {
    url.searchParams.set('sse', config.s3.sse.value.mode);
    set('sse-kms-key-id', config.s3.sse.value.kmsKeyId);
  }
  return url.href;
}

/** The environment the store opens with: the resolved S3 endpoint, wherever it came from. */
export function storeEnvOf(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const endpoint = config.s3.endpoint;
  return endpoint === undefined ? env : { ...env, [CONFIG_ENV.s3Endpoint]: endpoint.value };
}
