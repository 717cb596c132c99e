/** One suite for every ObjectStore driver: each driver's test file calls this with a factory. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/store/object-store.js';

async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export function objectStoreConformance(name: string, make: () => Promise<ObjectStore>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    it('puts bytes and gets them back whole and by range', async () => {
      const store = await make();
      const body = Buffer.from('0123456789abcdef'.repeat(1000));
      await store.put('segments/AAAAAAAAAAAAAAAA', body);
      expect(await drain(await store.get('segments/AAAAAAAAAAAAAAAA'))).toEqual(body);
      expect(await store.getRange('segments/AAAAAAAAAAAAAAAA', 5, 10)).toEqual(body.subarray(5, 15));
      expect(await store.has('segments/AAAAAAAAAAAAAAAA')).toBe(true);
      // A range the object does not hold: the vault and the store disagree.
      await expect(store.getRange('segments/AAAAAAAAAAAAAAAA', body.length - 4, 10)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
      await expect(store.getRange('segments/AAAAAAAAAAAAAAAA', body.length + 10, 10)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
      await expect(store.getRange('segments/ZZZZZZZZZZZZZZZZ', 0, 10)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    });

    it('puts a stream of many chunks and reports its size', async () => {
      const store = await make();
      const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(10_000, i));
      const { bytes } = await store.put('media/BBBBBBBBBBBBBBBB', Readable.from(chunks));
      expect(bytes).toBe(500_000);
      expect(await drain(await store.get('media/BBBBBBBBBBBBBBBB'))).toEqual(Buffer.concat(chunks));
    });

    it('lists by prefix and deletes idempotently', async () => {
      const store = await make();
      await store.put('media/CCCCCCCCCCCCCCCC', Buffer.from('x'));
      const listed: string[] = [];
      for await (const k of store.list('media')) listed.push(k);
      expect(listed).toContain('media/CCCCCCCCCCCCCCCC');
      await store.delete('media/CCCCCCCCCCCCCCCC');
      await store.delete('media/CCCCCCCCCCCCCCCC');
      expect(await store.has('media/CCCCCCCCCCCCCCCC')).toBe(false);
      await expect(store.get('media/CCCCCCCCCCCCCCCC')).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    });

    it('deletes many keys at once, missing ones included', async () => {
      const store = await make();
      const keys = Array.from({ length: 5 }, (_, i) => `segments/EEEEEEEEEEEEEEE${i}`);
      for (const k of keys) await store.put(k, Buffer.from(k));
      await store.put('segments/FFFFFFFFFFFFFFFF', Buffer.from('kept'));
      await store.deleteMany([...keys, 'segments/GGGGGGGGGGGGGGGG']);
      const listed: string[] = [];
      for await (const k of store.list('segments')) listed.push(k);
      expect(listed.filter((k) => keys.includes(k))).toEqual([]);
      expect(await store.has('segments/FFFFFFFFFFFFFFFF')).toBe(true);
      await store.deleteMany([]);
    });

    it('leaves no object behind when a streamed put fails', async () => {
      const store = await make();
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1000));
          this.destroy(new Error('source failed'));
        },
      });
      await expect(store.put('media/DDDDDDDDDDDDDDDD', failing)).rejects.toThrow('source failed');
      expect(await store.has('media/DDDDDDDDDDDDDDDD')).toBe(false);
    });

    it('refuses keys that are not <prefix>/<id>', async () => {
      const store = await make();
      await expect(store.put('media/../../etc/passwd', Buffer.from('x'))).rejects.toThrow(/object key/);
      await expect(store.put('media/王小明.jpg', Buffer.from('x'))).rejects.toThrow(/object key/);
      await expect(store.deleteMany(['media/AAAAAAAAAAAAAAAA', 'media/../x'])).rejects.toThrow(/object key/);
    });
  });
}
