/** Store URLs: what parses, what is refused with CONFIG_INVALID naming the field, and that no error echoes the URL. */
import { describe, expect, it } from 'vitest';
import { createS3Store, openConfiguredStore, openStore, parseStoreUrl, s3EndpointFrom } from '../../src/config/store-url.js';
import { FsObjectStore } from '../../src/store/fs.js';
import { S3ObjectStore } from '../../src/store/s3.js';

describe('parseStoreUrl', () => {
  it.each([
    ['file:///var/lib/sunder/objects', { kind: 'file', path: '/var/lib/sunder/objects' }],
    ['file://localhost/srv/objects', { kind: 'file', path: '/srv/objects' }],
    ['s3://sunder-media', { kind: 's3', bucket: 'sunder-media', prefix: '' }],
    ['s3://sunder-media/', { kind: 's3', bucket: 'sunder-media', prefix: '' }],
    ['s3://sunder.media/prod/eu/', { kind: 's3', bucket: 'sunder.media', prefix: 'prod/eu' }],
    ['s3://b12/p?region=eu-west-1&path-style=true', { kind: 's3', bucket: 'b12', prefix: 'p', region: 'eu-west-1', pathStyle: true }],
    ['s3://b12/p?sse=AES256', { kind: 's3', bucket: 'b12', prefix: 'p', serverSideEncryption: { mode: 'AES256' } }],
    ['s3://b12/p?sse=aws:kms&sse-kms-key-id=alias/sunder', { kind: 's3', bucket: 'b12', prefix: 'p', serverSideEncryption: { mode: 'aws:kms', kmsKeyId: 'alias/sunder' } }],
  ])('parses %s', (text, expected) => {
    expect(parseStoreUrl(text)).toEqual(expected);
  });

  it.each([
    ['objects/', 'url'],
    ['/var/lib/objects', 'url'],
    ['http://example.com/objects', 'scheme'],
    ['file:objects', 'path'],
    ['file://fileserver/objects', 'host'],
    ['file:///', 'path'],
    ['file:///x?mode=1', 'query'],
    ['s3://AKIAEXAMPLEKEYID:wJalrXUtnFEMIsecretKEY@bucket/p', 'credentials'],
    ['s3://Bad_Bucket/p', 'bucket'],
    ['s3://ab/p', 'bucket'],
    ['s3://10.0.0.1/p', 'bucket'],
    ['s3://bucket:9000/p', 'bucket'],
    ['s3://bucket/../p', 'prefix'],
    ['s3://bucket/a/./p', 'prefix'],
    ['s3://bucket/%2e%2e/p', 'prefix'],
    ['s3:bucket/p', 'url'],
    ['s3://bucket/%E7%8E%8B%E5%B0%8F%E6%98%8E/p', 'prefix'],
    ['s3://bucket/p?colour=blue', 'query'],
    ['s3://bucket/p?region=EU WEST', 'region'],
    ['s3://bucket/p?path-style=yes', 'path-style'],
    ['s3://bucket/p?sse=aws:kms:dsse', 'sse'],
    ['s3://bucket/p?sse-kms-key-id=alias/x', 'sse-kms-key-id'],
    ['s3://bucket/p#top', 'fragment'],
  ])('refuses %s at <field>.%s, echoing nothing of the URL', (text, part) => {
    let err: unknown;
    try {
      parseStoreUrl(text, 'SUNDER_STORE');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CONFIG_INVALID', path: ['SUNDER_STORE', part] });
    expect((err as Error).message).toMatch(/^\[sunder\] SUNDER_STORE: /);
    for (const piece of ['AKIAEXAMPLEKEYID', 'wJalrXUtnFEMIsecretKEY', 'Bad_Bucket', 'colour', 'blue', 'EU WEST', 'fileserver', '王小明']) {
      expect((err as Error).message).not.toContain(piece);
    }
  });
});

describe('s3EndpointFrom', () => {
  it('prefers SUNDER_S3_ENDPOINT, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL', () => {
    expect(s3EndpointFrom({})).toBeUndefined();
    expect(s3EndpointFrom({ AWS_ENDPOINT_URL: 'http://a:1' })).toBe('http://a:1');
    expect(s3EndpointFrom({ AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://b:2' })).toBe('http://b:2');
    expect(s3EndpointFrom({ AWS_ENDPOINT_URL_S3: 'http://b:2', SUNDER_S3_ENDPOINT: 'https://c' })).toBe('https://c');
  });

  it('refuses an endpoint that is not http(s) or carries credentials, without echoing it', () => {
    expect(() => s3EndpointFrom({ SUNDER_S3_ENDPOINT: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['SUNDER_S3_ENDPOINT', 'scheme'] }));
    const err = (() => {
      try {
        s3EndpointFrom({ AWS_ENDPOINT_URL: 'http://key:hunter2@minio:9000' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toMatchObject({ code: 'CONFIG_INVALID', path: ['AWS_ENDPOINT_URL', 'credentials'] });
    expect(err?.message).not.toContain('hunter2');
  });
});

describe('openConfiguredStore', () => {
  it('takes --store over SUNDER_STORE, and neither means the embedded default', async () => {
    expect(await openConfiguredStore(undefined, {})).toBeUndefined();
    expect(await openConfiguredStore(undefined, { SUNDER_STORE: '' })).toBeUndefined();
    const fromEnv = await openConfiguredStore(undefined, { SUNDER_STORE: 's3://from-env/p', AWS_REGION: 'eu-west-1' });
    expect(fromEnv).toBeInstanceOf(S3ObjectStore);
    await fromEnv?.close?.();
    expect(await openConfiguredStore('file:///tmp/sunder-objects', { SUNDER_STORE: 's3://from-env/p' })).toBeInstanceOf(FsObjectStore);
    await expect(openConfiguredStore(undefined, { SUNDER_STORE: 'nope' })).rejects.toMatchObject({ path: ['SUNDER_STORE', 'url'] });
  });

  it('opens an fs store for file: URLs', async () => {
    expect((await openStore({ kind: 'file', path: '/tmp/x' })).name).toBe('fs');
  });
});

describe('createS3Store', () => {
  it('builds the S3 driver with its options, through the lazy import', async () => {
    const store = await createS3Store({ bucket: 'sunder-media', region: 'eu-west-1', partSize: 16 * 1024 * 1024 });
    expect(store).toBeInstanceOf(S3ObjectStore);
    await store.close?.();
  });
});
