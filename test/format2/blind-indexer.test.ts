/** Blind-index digests come from the BlindIndexer ingest is given (a KMS/HSM stand-in here). */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LocalBlindIndexer, type BlindIndexer } from '../../src/crypto/blind-index.js';
import { loadRoleKeys, createRoleKeys } from '../../src/crypto/keys.js';
import type { IdentifierKind } from '../../src/crypto/hmac.js';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

describe('BlindIndexer', () => {
  it('is what ingest asks for every blind-index digest it stores', async () => {
    const dataDir = tempDir();
    const layout = layoutOf({ dataDir });
    await createRoleKeys(layout.keysDir);
    const local = new LocalBlindIndexer((await loadRoleKeys(layout.keysDir, 'ingest')).indexKey);
    const handedOut = new Set<string>();
    const device: BlindIndexer = {
      digest(kind: IdentifierKind, normalised: string) {
        const d = local.digest(kind, normalised);
        handedOut.add(`${kind}:${Buffer.from(d).toString('hex')}`);
        return d;
      },
    };
    const ingestor = await Ingestor.open({ dataDir, blindIndexer: device });
    const s = await ingestor.ingestFile(SAMPLE_NDJSON).done();
    await ingestor.close();
    expect(s.stored).toBeGreaterThan(0);
    const db = new Database(layout.vault, { readonly: true });
    const stored = (db.prepare('SELECT kind, digest FROM blind_index').all() as { kind: string; digest: Buffer }[]).map((r) => `${r.kind}:${r.digest.toString('hex')}`);
    db.close();
    expect(stored.length).toBeGreaterThan(40);
    for (const d of stored) expect(handedOut.has(d)).toBe(true);
  });
});
