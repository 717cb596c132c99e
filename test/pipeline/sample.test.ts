/** The sample collection gets exactly the outcomes its generator intended, once and on re-runs. */
import { beforeAll, describe, expect, it } from 'vitest';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { createMediaStep } from '../../src/pipeline/media-step.js';
import type { Outcome } from '../../src/record/outcome.js';
import { SqliteVault } from '../../src/vault/sqlite.js';
import { SqliteKeyStore } from '../../src/keystore/sqlite.js';
import { layoutOf } from '../../src/layout.js';
import { readJsonl, SAMPLE_CSV, SAMPLE_DIR, SAMPLE_NDJSON, type Expected } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';
import { join } from 'node:path';

const shape = (o: Outcome | Expected) => ({
  index: o.index,
  recordId: o.recordId,
  status: o.status,
  code: 'code' in o ? o.code : undefined,
  path: 'path' in o ? o.path : undefined,
});

async function ingestAll(dataDir: string, file: string): Promise<Outcome[]> {
  const ingestor = await Ingestor.open({ dataDir, media: createMediaStep });
  try {
    const out: Outcome[] = [];
    for await (const o of ingestor.ingestFile(file)) out.push(o);
    return out;
  } finally {
    await ingestor.close();
  }
}

describe('the sample collection', () => {
  const dataDir = tempDir();
  const expected = readJsonl<Expected>(join(SAMPLE_DIR, 'expected.jsonl'));
  let first: Outcome[];

  beforeAll(async () => {
    first = await ingestAll(dataDir, SAMPLE_NDJSON);
  });

  it('gives every input line exactly the outcome the generator intended', () => {
    expect(first.map(shape)).toEqual(expected.map(shape));
  });

  it('stores nothing for rejected records: vault rows match the stored outcomes', async () => {
    const vault = new SqliteVault(layoutOf({ dataDir }).vault);
    const keystore = new SqliteKeyStore(layoutOf({ dataDir }).keystore);
    try {
      const stored = first.filter((o) => o.status === 'stored');
      const counts = await vault.counts();
      expect(counts.records).toBe(stored.length);
      const newSubjects = stored.filter((o) => o.status === 'stored' && o.newSubject).length;
      expect(counts.subjects).toBe(newSubjects);
      const rejectedIds = first.filter((o) => o.status === 'rejected' && o.recordId !== undefined).map((o) => o.recordId!);
      const storedIds = new Set(stored.map((o) => o.recordId));
      const rejectedOnly = rejectedIds.filter((id) => !storedIds.has(id));
      expect(await vault.existingRecords(rejectedOnly)).toEqual(new Set());
      expect(await vault.listPending()).toEqual([]);
    } finally {
      await vault.close();
      await keystore.close();
    }
  });

  it('changes nothing on a re-run: stored become duplicates, rejections repeat', async () => {
    const again = await ingestAll(dataDir, SAMPLE_NDJSON);
    expect(again).toHaveLength(first.length);
    again.forEach((o, i) => {
      const before = first[i]!;
      if (before.status === 'stored' || before.status === 'duplicate') expect(o.status, `line ${i}`).toBe('duplicate');
      else if (before.code === 'CONSENT_WITHDRAWN' || before.code === 'SUBJECT_WITHDRAWN') expect(o.status).not.toBe('stored');
      else expect({ status: o.status, code: 'code' in o ? o.code : undefined }, `line ${i}`).toEqual({ status: 'rejected', code: before.code });
    });
    const vault = new SqliteVault(layoutOf({ dataDir }).vault);
    try {
      expect((await vault.counts()).records).toBe(first.filter((o) => o.status === 'stored').length);
    } finally {
      await vault.close();
    }
  });

  it('reads the CSV sample with its header mapping', async () => {
    const csvDir = tempDir();
    const outcomes = await ingestAll(csvDir, SAMPLE_CSV);
    const exp = readJsonl<Expected>(join(SAMPLE_DIR, 'expected-csv.jsonl'));
    expect(outcomes.map(shape)).toEqual(exp.map(shape));
  });
});
