/**
 * Recovery, deterministically: a batch killed after its first write and before its commit point
 * leaves objects and keys named by pending marks; the next open deletes exactly those.
 */
import { describe, expect, it } from 'vitest';
import { SqliteKeyStore } from '../../src/keystore/sqlite.js';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { FsObjectStore } from '../../src/store/fs.js';
import { SqliteVault } from '../../src/vault/sqlite.js';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

describe('recovery', () => {
  it('deletes what an interrupted batch wrote and keeps everything committed', async () => {
    const dataDir = tempDir();
    const first = await Ingestor.open({ dataDir });
    const summary = await first.ingestFile(SAMPLE_NDJSON).done();
    await first.close();
    const layout = layoutOf({ dataDir });

    // What a batch killed just before its commit point leaves behind.
    const vault = new SqliteVault(layout.vault);
    const keystore = new SqliteKeyStore(layout.keystore);
    const store = new FsObjectStore(layout.objects);
    await vault.addPending([
      { ref: 'object:segments/orphanSegment000000', runId: 'killed' },
      { ref: 'object:media/orphanMedia0000000000', runId: 'killed' },
      { ref: 'key:orphanKey0000000000000', runId: 'killed' },
    ]);
    await store.put('segments/orphanSegment000000', Buffer.from('half a batch'));
    await store.put('media/orphanMedia0000000000', Buffer.from('a stripped file'));
    await keystore.put([{ keyId: 'orphanKey0000000000000', publicKey: new Uint8Array(32), wrappedOfficer: new Uint8Array(104), wrappedExporter: new Uint8Array(104) }]);
    const before = await vault.counts();
    await vault.close();
    await keystore.close();

    const notices: string[] = [];
    const second = await Ingestor.open({ dataDir, onNotice: (m) => notices.push(m) });
    expect(second.recovery).toEqual({ objectsRemoved: 2, keysRemoved: 1 });
    expect(notices.join('\n')).toMatch(/removed 2 uncommitted objects and 1 orphaned keys/);
    await second.close();

    expect(await store.has('segments/orphanSegment000000')).toBe(false);
    expect(await store.has('media/orphanMedia0000000000')).toBe(false);
    const ks = new SqliteKeyStore(layout.keystore);
    expect((await ks.rows(['orphanKey0000000000000'])).size).toBe(0);
    await ks.close();
    const v = new SqliteVault(layout.vault);
    expect(await v.listPending()).toEqual([]);
    expect(await v.counts()).toEqual(before);
    expect(before.records).toBe(summary.stored);
    await v.close();
  });
});
