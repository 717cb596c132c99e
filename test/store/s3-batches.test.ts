/**
 * The S3 driver's paged listing and batched deletes, counted at a proxy in front of s3rver. Its
 * own file because seeding 1,001 objects takes a few seconds on s3rver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3ObjectStore } from '../../src/store/s3.js';
import { FaultProxy, type SeenRequest } from '../servers/fault-proxy.js';
import { freshPrefix, s3Target, s3TestStore } from '../servers/s3-target.js';

describe('S3 store: pages and batches', () => {
  let proxy: FaultProxy;
  const opened: S3ObjectStore[] = [];
  beforeAll(async () => {
    proxy = await FaultProxy.start(s3Target().endpoint);
  });
  afterAll(async () => {
    for (const s of opened) await s.close();
    await proxy.close();
  });
  /** Two stores on one prefix: one straight to the server (seeding), one through the proxy (counted). */
  const pair = (options: { listPageSize?: number } = {}) => {
    const prefix = freshPrefix('batches');
    const direct = s3TestStore({ prefix });
    const counted = s3TestStore({ prefix, endpoint: proxy.endpoint, ...options });
    opened.push(direct, counted);
    return { direct, counted };
  };

  it('lists page by page, following continuation tokens', async () => {
    const { direct, counted } = pair({ listPageSize: 2 });
    const keys = ['AAAA', 'BBBB', 'CCCC', 'DDDD', 'EEEE'].map((s) => `media/PAGE${s.repeat(3)}`);
    for (const k of keys) await direct.put(k, Buffer.from(k));
    const isList = (r: SeenRequest) => r.url.includes('list-type=2');
    const before = proxy.count(isList);
    const listed: string[] = [];
    for await (const k of counted.list('media')) listed.push(k);
    expect(listed).toEqual(keys);
    expect(proxy.count(isList) - before).toBe(3);
  });

  it('deletes 1,001 keys in two DeleteObjects requests (S3 takes at most 1,000)', async () => {
    const { direct, counted } = pair();
    const keys = Array.from({ length: 1001 }, (_, i) => `segments/BATCH${String(i).padStart(11, '0')}`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => direct.put(k, Buffer.from('d'))));
    const isBatchDelete = (r: SeenRequest) => r.method === 'POST' && /[?&]delete\b/.test(r.url);
    const before = proxy.count(isBatchDelete);
    await counted.deleteMany(keys);
    expect(proxy.count(isBatchDelete) - before).toBe(2);
    let left = 0;
    for await (const _ of direct.list('segments')) left++;
    expect(left).toBe(0);
  });
});
