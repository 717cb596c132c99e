/**
 * The S3 driver on s3rver (started once by test/servers/global-setup.ts): the shared conformance
 * suite, then what only S3 has, through a fault proxy in front of the server: the SDK's standard
 * retries (503, 500, resets, timeouts), multipart streaming with bounded memory, server-side
 * encryption headers, pagination, batched deletes, and errors that carry no credential.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore, type S3StoreOptions } from '../../src/store/s3.js';
import { FaultProxy, type SeenRequest } from '../servers/fault-proxy.js';
import { freshPrefix, s3Target, s3TestStore } from '../servers/s3-target.js';
import { objectStoreConformance } from './conformance.js';

const MiB = 1024 * 1024;
const opened: S3ObjectStore[] = [];
const open = (options: Partial<S3StoreOptions> = {}): S3ObjectStore => {
  const store = s3TestStore(options);
  opened.push(store);
  return store;
};
afterAll(async () => {
  for (const s of opened) await s.close();
});

objectStoreConformance('s3 (s3rver)', async () => open());

async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const isPut = (r: SeenRequest) => r.method === 'PUT';
const isGet = (r: SeenRequest) => r.method === 'GET' && !r.url.includes('list-type=2');
const isHead = (r: SeenRequest) => r.method === 'HEAD';
const isPart = (r: SeenRequest) => r.method === 'PUT' && /[?&]uploadId=/.test(r.url);

describe('S3 store through a fault proxy', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await FaultProxy.start(s3Target().endpoint);
  });
  afterAll(async () => {
    await proxy.close();
  });
  const viaProxy = (options: Partial<S3StoreOptions> = {}) => open({ endpoint: proxy.endpoint, ...options });

  it('retries 503 SlowDown and 500 with the standard retry mode until the request succeeds', async () => {
    const store = viaProxy({ maxAttempts: 3 });
    const before = proxy.count(isPut);
    proxy.inject('slowdown', 2, isPut);
    await store.put('segments/RETRYRETRYRETRY1', Buffer.from('survives two 503s'));
    expect(proxy.count(isPut) - before).toBe(3);

    const gets = proxy.count(isGet);
    proxy.inject('internal', 2, isGet);
    expect((await drain(await store.get('segments/RETRYRETRYRETRY1'))).toString()).toBe('survives two 503s');
    expect(proxy.count(isGet) - gets).toBe(3);
  });

  it('retries a connection reset', async () => {
    const store = viaProxy();
    await store.put('segments/RESETRESETRESET1', Buffer.from('x'));
    const heads = proxy.count(isHead);
    proxy.inject('reset', 1, isHead);
    expect(await store.has('segments/RESETRESETRESET1')).toBe(true);
    expect(proxy.count(isHead) - heads).toBe(2);
  });

  it('gives up after maxAttempts with STORE_UNAVAILABLE, naming the S3 code and the attempts', async () => {
    const store = viaProxy({ maxAttempts: 2 });
    const before = proxy.count(isPut);
    proxy.inject('slowdown', 2, isPut);
    const err = await store.put('segments/GIVEUPGIVEUPGIVE', Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/put of segments\/GIVEUPGIVEUPGIVE failed: SlowDown \(HTTP 503\) after 2 attempts/);
    expect(proxy.count(isPut) - before).toBe(2);
    // With one attempt allowed the same single fault is fatal: the faults do reach the client.
    proxy.inject('slowdown', 1, isPut);
    await expect(viaProxy({ maxAttempts: 1 }).put('segments/GIVEUPGIVEUPGIVE', Buffer.from('x'))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('fails a body cut mid-stream with STORE_UNAVAILABLE, in get and in getRange', async () => {
    const store = viaProxy({ maxAttempts: 1 });
    const body = Buffer.alloc(256 * 1024, 3);
    await store.put('media/CUTCUTCUTCUTCUT1', body);
    proxy.inject('cut', 1, isGet);
    const err = await drain(await store.get('media/CUTCUTCUTCUTCUT1')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    proxy.inject('cut', 1, isGet);
    await expect(store.getRange('media/CUTCUTCUTCUTCUT1', 0, body.length)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await drain(await store.get('media/CUTCUTCUTCUTCUT1'))).toEqual(body);
  });

  it('times out a stalled request and retries it; a server that always stalls ends in STORE_UNAVAILABLE', async () => {
    const store = viaProxy({ idleTimeoutMs: 400, maxAttempts: 2 });
    await store.put('segments/STALLSTALLSTALL1', Buffer.from('x'));
    let heads = proxy.count(isHead);
    proxy.inject('stall', 1, isHead);
    expect(await store.has('segments/STALLSTALLSTALL1')).toBe(true);
    expect(proxy.count(isHead) - heads).toBe(2);

    heads = proxy.count(isHead);
    proxy.inject('stall', 2, isHead);
    const err = await store.has('segments/STALLSTALLSTALL1').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/TimeoutError/);
    expect(proxy.count(isHead) - heads).toBe(2);
  });

  it('streams large media as a multipart upload with bounded memory and passes the SSE headers on every write', async () => {
    const partSize = 5 * MiB;
    const queueSize = 2;
    const store = viaProxy({ partSize, queueSize, serverSideEncryption: { mode: 'aws:kms', kmsKeyId: 'alias/sunder-test' } });
    const total = 26 * MiB;
    const chunk = 64 * 1024;
    const sent = createHash('sha256');
    const inFlightStart = proxy.bytesIn;
    let pulled = 0;
    let maxAhead = 0;
    const source = Readable.from((function* () {
      for (let i = 0; pulled < total; i++) {
        // Bytes taken from the source but not yet received by the server sit in the client's memory.
        maxAhead = Math.max(maxAhead, pulled - (proxy.bytesIn - inFlightStart));
        const c = Buffer.alloc(chunk, i % 251);
        sent.update(c);
        pulled += chunk;
        yield c;
      }
    })());
    const seenBefore = proxy.seen.length;
    const { bytes } = await store.put('media/MULTIPARTMULTIPA', source);
    expect(bytes).toBe(total);
    const requests = proxy.seen.slice(seenBefore);
    expect(requests.filter(isPart)).toHaveLength(Math.ceil(total / partSize));
    expect(maxAhead).toBeLessThanOrEqual((queueSize + 1) * partSize + chunk);
    const create = requests.find((r) => r.method === 'POST' && /[?&]uploads\b/.test(r.url));
    expect(create?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(create?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/sunder-test');
    const got = createHash('sha256');
    for await (const c of await store.get('media/MULTIPARTMULTIPA')) got.update(c as Buffer);
    expect(got.digest('hex')).toBe(sent.digest('hex'));

    const small = proxy.seen.length;
    await store.put('segments/SSESSESSESSESSE1', Buffer.from('small'));
    expect(proxy.seen.slice(small).find(isPut)?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
  });

  it('aborts the multipart upload when the source fails halfway, leaving no object', async () => {
    const store = viaProxy({ partSize: 5 * MiB, queueSize: 2 });
    const seenBefore = proxy.seen.length;
    const source = Readable.from((function* () {
      for (let i = 0; i < 200; i++) yield Buffer.alloc(64 * 1024, i);
      throw new Error('camera upload cut');
    })());
    await expect(store.put('media/ABORTABORTABORT1', source)).rejects.toThrow('camera upload cut');
    expect(await store.has('media/ABORTABORTABORT1')).toBe(false);
    expect(proxy.seen.slice(seenBefore).some((r) => r.method === 'DELETE' && /[?&]uploadId=/.test(r.url))).toBe(true);
  });

  it('keeps objects under bucket/prefix with path-style addressing', async () => {
    const prefix = freshPrefix('layout');
    const store = viaProxy({ prefix: `${prefix}/nested/` });
    const before = proxy.seen.length;
    await store.put('segments/LAYOUTLAYOUTLAY1', Buffer.from('x'));
    expect(proxy.seen.slice(before).find(isPut)?.url.split('?')[0]).toBe(`/${s3Target().bucket}/${prefix}/nested/segments/LAYOUTLAYOUTLAY1`);
    const other = viaProxy({ prefix });
    expect(await other.has('segments/LAYOUTLAYOUTLAY1')).toBe(false);
  });
});

describe('S3 errors', () => {
  it('maps refused credentials to STORE_DENIED without the key id or the secret anywhere in the error', async () => {
    const accessKeyId = 'AKIASUNDERLEAKCHECK7';
    const secretAccessKey = 'sunder-secret-never-in-an-error-0123456789';
    const store = open({ credentials: { accessKeyId, secretAccessKey } });
    for (const attempt of [
      () => store.put('segments/DENIEDDENIEDDEN1', Buffer.from('x')),
      () => store.get('segments/DENIEDDENIEDDEN1'),
      async () => { for await (const _ of store.list('segments')); },
    ]) {
      const err = await attempt().then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'STORE_DENIED' });
      const everything = `${String(err)} ${JSON.stringify(err)} ${inspect(err, { depth: 10, showHidden: true })}`;
      expect(everything).not.toContain(accessKeyId);
      expect(everything).not.toContain(secretAccessKey);
    }
  });

  it('maps a missing bucket to CONFIG_INVALID at store.bucket', async () => {
    const store = open({ bucket: 'sunder-no-such-bucket' });
    await expect(store.put('segments/NOBUCKETNOBUCKET', Buffer.from('x'))).rejects.toMatchObject({ code: 'CONFIG_INVALID', path: ['store', 'bucket'] });
  });

  it('maps an unreachable endpoint to STORE_UNAVAILABLE', async () => {
    const proxy = await FaultProxy.start(s3Target().endpoint);
    const endpoint = proxy.endpoint;
    await proxy.close();
    const store = open({ endpoint, maxAttempts: 2 });
    await expect(store.has('segments/UNREACHABLEUNREA')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('maps a missing region to CONFIG_INVALID at store.region', async () => {
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION, AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
    try {
      const t = s3Target();
      const store = new S3ObjectStore({ bucket: t.bucket, endpoint: t.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      opened.push(store);
      await expect(store.has('segments/NOREGIONNOREGION')).rejects.toMatchObject({ code: 'CONFIG_INVALID', path: ['store', 'region'] });
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });

  it('refuses a part size below S3\'s 5 MiB minimum', () => {
    expect(() => new S3ObjectStore({ bucket: 'b', partSize: MiB })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['store', 'partSize'] }));
  });
});
