/**
 * Where the objects live, as one URL: `file:///path` (the fs store) or `s3://bucket/prefix`
 * (the S3 store), from `--store` or `SUNDER_STORE`. Nothing secret belongs in it: credentials
 * come from the AWS chain, and a URL that carries any is refused. Errors name the field (and the
 * part of the URL) but never echo the URL, which may hold a secret a user pasted by mistake.
 *
 * S3 query parameters: `region`, `path-style` (true|false), `sse` (AES256|aws:kms),
 * `sse-kms-key-id`. The endpoint of an S3-compatible server comes from `SUNDER_S3_ENDPOINT`,
 * else the standard `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`.
 */
import { fileURLToPath } from 'node:url';
import { SunderError } from '../errors.js';
import { FsObjectStore } from '../store/fs.js';
import type { ObjectStore } from '../store/object-store.js';
import type { S3ServerSideEncryption, S3StoreOptions } from '../store/s3.js';

export type StoreUrl =
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; prefix: string; region?: string; pathStyle?: boolean; serverSideEncryption?: S3ServerSideEncryption };

/** Where a store URL came from, named in errors: `--store` or `SUNDER_STORE`. */
export type StoreUrlField = '--store' | 'SUNDER_STORE';

const S3_PARAMS = new Set(['region', 'path-style', 'sse', 'sse-kms-key-id']);

function invalid(field: string, part: string, expected: string): SunderError {
  return new SunderError('CONFIG_INVALID', `${field}: ${part}: ${expected}`, { path: [field, part] });
}

export function parseStoreUrl(text: string, field: StoreUrlField | string = '--store'): StoreUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(field, 'url', 'expected file:///absolute/path or s3://bucket/prefix');
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid(field, 'credentials', 'a store URL carries no credentials; S3 credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID, a profile, a role)');
  }
  if (url.hash !== '') throw invalid(field, 'fragment', 'a store URL has no #fragment');
  if (url.protocol === 'file:') {
    // `file:relative` parses as file:///relative: ask for the explicit form instead of guessing.
    if (!text.startsWith('file://')) throw invalid(field, 'path', 'expected file:///absolute/path');
    if (url.host !== '' && url.host !== 'localhost') throw invalid(field, 'host', 'expected file:///absolute/path (no host)');
    if (url.search !== '') throw invalid(field, 'query', 'a file: store takes no parameters');
    const path = fileURLToPath(url);
    if (path === '/') throw invalid(field, 'path', 'expected a folder, not the file system root');
    return { kind: 'file', path };
  }
  if (url.protocol === 's3:') return parseS3(url, text, field);
  throw invalid(field, 'scheme', 'expected file: or s3:');
}

function parseS3(url: URL, text: string, field: string): StoreUrl {
  if (!text.startsWith('s3://')) throw invalid(field, 'url', 'expected s3://bucket/prefix');
  const bucket = url.hostname;
  // S3's bucket naming rules (the dotted-IP form is refused by S3 too).
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw invalid(field, 'bucket', 'expected 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit');
  }
  if (url.port !== '') throw invalid(field, 'bucket', 'an s3: URL names a bucket, not a host:port; set SUNDER_S3_ENDPOINT for the server');
  // The raw text, not url.pathname: the URL parser resolves `..` and would quietly move the prefix.
  const rawPath = text.slice('s3://'.length).split(/[?#]/)[0]!.split('/').slice(1);
  const segments = rawPath.filter((s) => s !== '');
  for (const s of segments) {
    if (s === '.' || s === '..' || !/^[A-Za-z0-9._-]+$/.test(s)) {
      throw invalid(field, 'prefix', 'expected folder names of letters, digits, dots, hyphens and underscores, separated by /');
    }
  }
  const out: Extract<StoreUrl, { kind: 's3' }> = { kind: 's3', bucket, prefix: segments.join('/') };
  for (const [name, value] of url.searchParams) {
    if (!S3_PARAMS.has(name)) throw invalid(field, 'query', 'unknown parameter; expected region, path-style, sse or sse-kms-key-id');
    if (name === 'region') {
      if (!/^[a-z0-9-]{2,32}$/.test(value)) throw invalid(field, 'region', 'expected an AWS region name such as eu-west-1');
      out.region = value;
    } else if (name === 'path-style') {
      if (value !== 'true' && value !== 'false') throw invalid(field, 'path-style', 'expected true or false');
      out.pathStyle = value === 'true';
    } else if (name === 'sse') {
      if (value !== 'AES256' && value !== 'aws:kms') throw invalid(field, 'sse', 'expected AES256 or aws:kms');
      out.serverSideEncryption = { ...out.serverSideEncryption, mode: value };
    }
  }
  const kmsKeyId = url.searchParams.get('sse-kms-key-id');
  if (kmsKeyId !== null) {
    if (out.serverSideEncryption?.mode !== 'aws:kms') throw invalid(field, 'sse-kms-key-id', 'only with sse=aws:kms');
    out.serverSideEncryption.kmsKeyId = kmsKeyId;
  }
  return out;
}

/** The S3 endpoint override from the environment, if any; `undefined` means AWS itself. */
export function s3EndpointFrom(env: NodeJS.ProcessEnv): string | undefined {
  for (const name of ['SUNDER_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'] as const) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid(name, 'url', 'expected an http(s):// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(name, 'scheme', 'expected http: or https:');
    if (url.username !== '' || url.password !== '') throw invalid(name, 'credentials', 'an endpoint carries no credentials; use the AWS credential chain');
    return value;
  }
  return undefined;
}

/**
 * Opens the store a URL names. The S3 driver (and the AWS SDK with it) is loaded only when an
 * s3: URL asks for it, so the embedded default starts as fast as before.
 */
export async function openStore(url: StoreUrl, env: NodeJS.ProcessEnv = process.env): Promise<ObjectStore> {
  if (url.kind === 'file') return new FsObjectStore(url.path);
  const { S3ObjectStore } = await import('../store/s3.js');
  const endpoint = s3EndpointFrom(env);
  return new S3ObjectStore({
    bucket: url.bucket,
    prefix: url.prefix,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(url.region === undefined ? {} : { region: url.region }),
    ...(url.pathStyle === undefined ? {} : { pathStyle: url.pathStyle }),
    ...(url.serverSideEncryption === undefined ? {} : { serverSideEncryption: url.serverSideEncryption }),
  });
}

/** The S3 store with every option (part size, retries, timeouts, credentials), the SDK loaded on first use. */
export async function createS3Store(options: S3StoreOptions): Promise<ObjectStore> {
  const { S3ObjectStore } = await import('../store/s3.js');
  return new S3ObjectStore(options);
}

/**
 * The store chosen by `--store`, else `SUNDER_STORE`, opened; `undefined` when neither is set
 * (the caller keeps the embedded default, `<data>/objects`).
 */
export async function openConfiguredStore(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ObjectStore | undefined> {
  if (flag !== undefined) return openStore(parseStoreUrl(flag, '--store'), env);
  const fromEnv = env.SUNDER_STORE;
  if (fromEnv !== undefined && fromEnv !== '') return openStore(parseStoreUrl(fromEnv, 'SUNDER_STORE'), env);
  return undefined;
}
