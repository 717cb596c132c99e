/**
 * The object store on S3 (or any S3-compatible endpoint). Objects live under
 * `<bucket>/<prefix>/<key>`. Sunder encrypts every object before it reaches this file; the
 * server-side encryption options add the bucket's own encryption on top, never instead.
 *
 * Retries are the SDK's standard retry mode (exponential backoff with jitter, a retry quota),
 * which covers throttling (503 SlowDown), 5xx, connection resets and timeouts. A body the SDK can
 * replay is therefore always a buffer: whole puts send a Uint8Array, streamed puts go through
 * lib-storage's Upload, which cuts the stream into parts of `partSize` bytes and keeps at most
 * `queueSize` of them in flight, so memory stays bounded whatever the size of the media.
 *
 * Nothing here depends on conditional writes (`If-None-Match`): s3rver ignores them, and keys are
 * fresh random ids anyway.
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { SunderError } from '../errors.js';
import type { ObjectStore } from './object-store.js';
import { assertSafeKey } from './object-store.js';

/** Server-side encryption requested on every write (SSE-S3 or SSE-KMS; SSE-C is not supported: its key would be a secret in every request). */
export interface S3ServerSideEncryption {
  /** `AES256` (SSE-S3) or `aws:kms` (SSE-KMS). */
  mode: 'AES256' | 'aws:kms';
  /** KMS key id or ARN; only with `aws:kms`. @default the account's default S3 KMS key */
  kmsKeyId?: string;
  /** Use an S3 bucket key for SSE-KMS (fewer KMS calls). */
  bucketKeyEnabled?: boolean;
}

export interface S3StoreOptions {
  bucket: string;
  /** Folder inside the bucket, without leading or trailing slash. @default "" (the bucket's root) */
  prefix?: string;
  /** Endpoint of an S3-compatible server, e.g. `http://127.0.0.1:9000`. @default AWS's endpoint for the region */
  endpoint?: string;
  /** @default the SDK's region chain (AWS_REGION, the shared config file) */
  region?: string;
  /** Address buckets as `/<bucket>/key` rather than `<bucket>.host`. @default true when `endpoint` is set */
  pathStyle?: boolean;
  /** @default the standard AWS credential chain (environment, shared files, SSO, container and instance roles) */
  credentials?: S3ClientConfig['credentials'];
  serverSideEncryption?: S3ServerSideEncryption;
  /** Part size of multipart uploads, at least 5 MiB (S3's minimum). @default 8 MiB */
  partSize?: number;
  /** Parts of one upload in flight at once; memory per upload is about (queueSize + 1) * partSize. @default 4 */
  queueSize?: number;
  /** Attempts per request, first one included, in the SDK's standard retry mode. @default 3 */
  maxAttempts?: number;
  /** A request whose socket stays idle this long (a stalled server) fails, and is retried. @default 30000 */
  idleTimeoutMs?: number;
  /** @default 5000 */
  connectionTimeoutMs?: number;
  /** Keys per ListObjectsV2 page, at most 1000. @default 1000 */
  listPageSize?: number;
}

const MiB = 1024 * 1024;
/** S3 accepts at most 1,000 keys in one DeleteObjects request. */
export const S3_DELETE_BATCH = 1000;

export class S3ObjectStore implements ObjectStore {
  readonly name = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly base: string;
  private readonly sse: Record<string, unknown>;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly listPageSize: number;

  constructor(options: S3StoreOptions) {
    if (!options.bucket) throw new SunderError('CONFIG_INVALID', '[s3] option `bucket` is required', { path: ['store', 'bucket'] });
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.bucket = options.bucket;
    this.base = prefix === '' ? '' : `${prefix}/`;
    this.partSize = options.partSize ?? 8 * MiB;
    if (this.partSize < 5 * MiB) throw new SunderError('CONFIG_INVALID', '[s3] option `partSize` must be at least 5 MiB (S3 minimum part size)', { path: ['store', 'partSize'] });
    this.queueSize = options.queueSize ?? 4;
    this.listPageSize = Math.min(1000, Math.max(1, options.listPageSize ?? 1000));
    const sse = options.serverSideEncryption;
    this.sse = sse === undefined ? {} : {
      ServerSideEncryption: sse.mode as ServerSideEncryption,
      ...(sse.kmsKeyId === undefined ? {} : { SSEKMSKeyId: sse.kmsKeyId }),
      ...(sse.bucketKeyEnabled === undefined ? {} : { BucketKeyEnabled: sse.bucketKeyEnabled }),
    };
    this.client = new S3Client({
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      forcePathStyle: options.pathStyle ?? options.endpoint !== undefined,
      retryMode: 'standard',
      maxAttempts: options.maxAttempts ?? 3,
      // socketTimeout is the idle timeout that fails a stalled request; the handler's requestTimeout
      // only logs a warning unless throwOnRequestTimeout is set, and would cap large uploads.
      requestHandler: { socketTimeout: options.idleTimeoutMs ?? 30_000, connectionTimeout: options.connectionTimeoutMs ?? 5_000 },
    });
  }

  private remote(key: string): string {
    assertSafeKey(key);
    return this.base + key;
  }

  async put(key: string, body: Uint8Array | Readable | AsyncIterable<Uint8Array>): Promise<{ bytes: number }> {
    const Key = this.remote(key);
    if (body instanceof Uint8Array) {
      try {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentLength: body.byteLength, ...this.sse }));
      } catch (err) {
        throw s3Error('put', key, err);
      }
      return { bytes: body.byteLength };
    }
    let bytes = 0;
    let sourceError: unknown;
    const counted = Readable.from((async function* () {
      try {
        for await (const chunk of body) {
          bytes += chunk.byteLength;
          yield chunk;
        }
      } catch (err) {
        sourceError = err;
        throw err;
      }
    })());
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: counted, ...this.sse },
      partSize: this.partSize,
      queueSize: this.queueSize,
      // On failure Upload aborts the multipart upload, so no parts linger (billed, invisible).
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      // The caller's stream failed: its error is the caller's to see, unchanged.
      if (sourceError !== undefined) throw sourceError;
      throw s3Error('put', key, err);
    }
    return { bytes };
  }

  async get(key: string): Promise<Readable> {
    const Key = this.remote(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      const body = res.Body;
      if (!(body instanceof Readable)) throw new SunderError('STORE_CORRUPT', `[s3] object ${key} came back without a body`);
      // The SDK retries until the headers arrive, not while the body streams: a connection
      // dropped mid-body surfaces here, as a SunderError like every other store failure.
      return Readable.from((async function* () {
        try {
          yield* body;
        } catch (err) {
          throw s3Error('get', key, err);
        }
      })());
    } catch (err) {
      throw s3Error('get', key, err);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    const Key = this.remote(key);
    if (length === 0) {
      if (!(await this.has(key))) throw missing(key);
      return Buffer.alloc(0);
    }
    let buf: Buffer;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=${offset}-${offset + length - 1}` }));
      buf = Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      // A range past the end: the object is shorter than the vault says.
      if (statusOf(err) === 416) throw new SunderError('STORE_CORRUPT', `[s3] object ${key} is shorter than the vault says`);
      throw s3Error('get', key, err);
    }
    if (buf.length !== length) throw new SunderError('STORE_CORRUPT', `[s3] object ${key} is shorter than the vault says`);
    return buf;
  }

  async has(key: string): Promise<boolean> {
    const Key = this.remote(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return true;
    } catch (err) {
      if (statusOf(err) === 404 && nameOf(err) !== 'NoSuchBucket') return false;
      throw s3Error('head', key, err);
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.remote(key);
    try {
      // S3 answers 204 for a key that does not exist: deleting is idempotent.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      throw s3Error('delete', key, err);
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const remote = [...new Set(keys)].map((k) => this.remote(k));
    for (let i = 0; i < remote.length; i += S3_DELETE_BATCH) {
      const batch = remote.slice(i, i + S3_DELETE_BATCH);
      let res;
      try {
        res = await this.client.send(new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }));
      } catch (err) {
        throw s3Error('delete', undefined, err);
      }
      // DeleteObjects answers 200 even when some keys failed; each failure is listed.
      const failed = res.Errors ?? [];
      if (failed.length > 0) {
        const code = failed[0]?.Code ?? 'unknown';
        throw new SunderError(code === 'AccessDenied' ? 'STORE_DENIED' : 'STORE_REJECTED', `[s3] delete of ${failed.length} of ${batch.length} objects failed: ${safeName(code)}`);
      }
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const Prefix = `${this.base}${prefix}/`;
    let ContinuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({
          Bucket: this.bucket, Prefix, Delimiter: '/', MaxKeys: this.listPageSize, ...(ContinuationToken === undefined ? {} : { ContinuationToken }),
        }));
      } catch (err) {
        throw s3Error('list', undefined, err);
      }
      for (const o of page.Contents ?? []) if (o.Key !== undefined) yield o.Key.slice(this.base.length);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function missing(key: string): SunderError {
  return new SunderError('STORE_CORRUPT', `[s3] object ${key} is missing from the store`);
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown } | undefined;
  // Node's socket errors carry their kind in `code` (ECONNRESET); the SDK's in `name`.
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}

/** Error names are S3 codes or Node codes; anything else is not echoed. */
function safeName(name: string): string {
  return /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(name) ? name : 'unrecognised error';
}

/**
 * An SDK failure as a SunderError. Only the error's name, the HTTP status and the attempt count
 * are kept: the SDK's message and fields can carry the request's access key id and canonical
 * request (SignatureDoesNotMatch returns them), so the SDK error is deliberately not the cause.
 */
function s3Error(op: string, key: string | undefined, err: unknown): Error {
  if (err instanceof SunderError) return err;
  const name = safeName(nameOf(err));
  const status = statusOf(err);
  const attempts = (err as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts;
  const what = `[s3] ${op}${key === undefined ? '' : ` of ${key}`}`;
  const detail = `${name}${status === undefined ? '' : ` (HTTP ${status})`}${attempts === undefined || attempts < 2 ? '' : ` after ${attempts} attempts`}`;
  if (name === 'NoSuchKey' || (status === 404 && (op === 'get' || op === 'head') && name !== 'NoSuchBucket')) return missing(key ?? '');
  if (name === 'NoSuchBucket') return new SunderError('CONFIG_INVALID', `${what} failed: the bucket does not exist (NoSuchBucket)`, { path: ['store', 'bucket'] });
  if (name === 'CredentialsProviderError' || status === 401 || status === 403 || /^(AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|InvalidToken)$/.test(name)) {
    return new SunderError('STORE_DENIED', `${what} was refused: ${detail}; check the AWS credentials and the bucket policy`);
  }
  if (err instanceof Error && /region is missing/i.test(err.message)) {
    return new SunderError('CONFIG_INVALID', `${what} failed: no AWS region (set AWS_REGION or ?region= in the store URL)`, { path: ['store', 'region'] });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new SunderError('STORE_REJECTED', `${what} was rejected: ${detail}`);
  }
  return new SunderError('STORE_UNAVAILABLE', `${what} failed: ${detail}`);
}
