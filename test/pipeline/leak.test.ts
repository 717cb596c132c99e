/**
 * No identity value of any subject, in any normalised form, appears in any byte under the data
 * directory or in the export; the identifiers planted in texts are masked in the export, and the
 * look-alike numbers that are not personal data come through intact.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/export.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { createMediaStep } from '../../src/pipeline/media-step.js';
import type { Outcome } from '../../src/record/outcome.js';
import { filesBelow, findValuesInFiles, identityValues, planted, SAMPLE_CSV, SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

describe('nothing identifying leaks', () => {
  const dataDir = tempDir();
  const out = join(tempDir(), 'export');
  const outcomes: Outcome[] = [];
  const values = identityValues();

  beforeAll(async () => {
    const ingestor = await Ingestor.open({ dataDir, media: createMediaStep });
    try {
      await ingestor.ingestFile(SAMPLE_NDJSON).done((o) => outcomes.push(o));
      await ingestor.ingestFile(SAMPLE_CSV).done((o) => outcomes.push(o));
    } finally {
      await ingestor.close();
    }
    await exportDataset({ dataDir, out });
  });

  it('has values to look for (the check cannot pass vacuously)', () => {
    expect(values.size).toBeGreaterThan(100);
    expect(outcomes.filter((o) => o.status === 'stored').length).toBeGreaterThan(150);
    // The search itself works: a value written in clear is found.
    const probe = join(tempDir(), 'probe.txt');
    const one = [...values][0]!;
    writeFileSync(probe, `x${one}y`);
    expect(findValuesInFiles([probe], [one])).toHaveLength(1);
  });

  it('no identity value appears in any byte under the data directory', () => {
    const files = filesBelow(dataDir);
    expect(files.some((f) => f.endsWith('vault.db'))).toBe(true);
    expect(findValuesInFiles(files, values)).toEqual([]);
  });

  it('no identity value and no planted third-party identifier appears in the export', () => {
    const files = filesBelow(out);
    const p = planted();
    const thirdParty = p.thirdParty.filter((t) => t.value.length >= 4).flatMap((t) => [t.value, t.spelled]);
    expect(findValuesInFiles(files, values)).toEqual([]);
    expect(findValuesInFiles(files, thirdParty)).toEqual([]);
  });

  it('keeps the numbers that are not personal data intact', () => {
    const manifest = readFileSync(join(out, 'manifest.jsonl'), 'utf8');
    const exported = new Set(manifest.split('\n').filter(Boolean).map((l) => JSON.stringify((JSON.parse(l) as { text: unknown }).text)));
    expect(exported.size).toBeGreaterThan(100);
    const stored = new Set(outcomes.filter((o) => o.status === 'stored').map((o) => o.recordId));
    const distractors = planted().distractors.filter((d) => d.source === 'ndjson' && d.recordId !== undefined && stored.has(d.recordId));
    expect(distractors.length).toBeGreaterThan(50);
    const missing = distractors.filter((d) => !manifest.includes(d.value));
    // Withdrawn subjects' records are stored but not exported; everything else must be there.
    expect(missing.length / distractors.length).toBeLessThan(0.05);
  });

  it('names no file or object after anything in a record', () => {
    for (const f of filesBelow(dataDir).map((p) => p.slice(dataDir.length))) {
      expect(f).toMatch(/^\/(writer-lock\.db|keys\/(ingest|officer|exporter|audit)\.json|keys\/signing\.(json|pub)|audit\/audit\.(log|head)|vault\.db(-wal|-shm)?|keystore\.db(-wal|-shm)?|objects\/(segments|media)\/[A-Za-z0-9_-]+|runs\/[0-9-]+-[0-9a-f]+\/(outcomes\.ndjson|summary\.json))$/);
    }
  });
});
