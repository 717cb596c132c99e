/** One suite for every KeyStore backend: each backend's test file calls this with a factory. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KeyStore, SubjectKeyRow } from '../../src/keystore/keystore.js';

export const keyRow = (n: number): SubjectKeyRow => ({
  keyId: `key-${n}`,
  publicKey: new Uint8Array(randomBytes(32)),
  wrappedOfficer: new Uint8Array(randomBytes(104)),
  wrappedExporter: new Uint8Array(randomBytes(104)),
  identityPublicKey: new Uint8Array(randomBytes(32)),
  identityWrappedOfficer: new Uint8Array(randomBytes(104)),
  mac: new Uint8Array(randomBytes(32)),
});

export function keyStoreConformance(name: string, make: () => Promise<KeyStore>): void {
  describe(`KeyStore conformance: ${name}`, () => {
    it('stores, finds every field as stored, refuses a duplicate key id, and deletes', async () => {
      const ks = await make();
      expect(ks.formatVersion).toBe(2);
      const rows = Array.from({ length: 50 }, (_, i) => keyRow(i));
      await ks.put(rows);
      const found = await ks.rows(['key-3', 'key-49', 'key-missing']);
      expect([...found.keys()].sort()).toEqual(['key-3', 'key-49']);
      expect(found.get('key-3')).toEqual(rows[3]);
      await expect(ks.put([keyRow(7)])).rejects.toThrow();
      // The failed put stored nothing of its batch.
      await expect(ks.put([keyRow(1000), keyRow(7)])).rejects.toThrow();
      expect((await ks.rows(['key-1000'])).size).toBe(0);
      await ks.delete(['key-7', 'key-missing']);
      expect((await ks.rows(['key-7'])).size).toBe(0);
      expect((await ks.rows(['key-8'])).size).toBe(1);
      await ks.close();
    });

    it('looks up more ids than one IN-list chunk', async () => {
      const ks = await make();
      const rows = Array.from({ length: 1_200 }, (_, i) => keyRow(5000 + i));
      await ks.put(rows);
      const found = await ks.rows(rows.map((r) => r.keyId));
      expect(found.size).toBe(1_200);
      await ks.close();
    });

    it('records role key fingerprints once and reports a mismatch by role', async () => {
      const ks = await make();
      expect(await ks.checkOrSetRoleKeys({ officer: 'a', exporter: 'b' })).toEqual({ mismatched: [] });
      expect(await ks.checkOrSetRoleKeys({ officer: 'a' })).toEqual({ mismatched: [] });
      expect(await ks.checkOrSetRoleKeys({ officer: 'x', exporter: 'b', row_mac: 'm' })).toEqual({ mismatched: ['officer'] });
      expect(await ks.checkOrSetRoleKeys({ row_mac: 'n' })).toEqual({ mismatched: ['row_mac'] });
      await ks.close();
    });
  });
}
