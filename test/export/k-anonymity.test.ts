/**
 * k-anonymity on the way out: a k=5 export has no class under 5 and says what it generalised;
 * two deliveries each 5-anonymous on their own, that together would single a person out, are
 * caught because the check runs over the union of what the recipient already holds.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/export.js';
import { addRecipient } from '../../src/export/recipients.js';
import { listDisclosures } from '../../src/export/disclosures.js';
import { readJsonl } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';
import { ingestLines, recordsOf, type SubjectSpec } from './fixture.js';

interface Line { id: string; pseudonym: string; quasi: Record<string, unknown>; attributes: Record<string, unknown> }

/**
 * Classes as a recipient sees them: subjects with the set of quasi tuples it holds for each.
 * `who` names the subject of a line (its pseudonym by default: what the recipient joins on).
 */
function classSizes(...manifests: Line[][]): number[] {
  return classSizesBy((l) => l.pseudonym, ...manifests);
}

function classSizesBy(who: (l: Line) => string, ...manifests: Line[][]): number[] {
  const known = new Map<string, Set<string>>();
  for (const lines of manifests) {
    for (const l of lines) {
      const set = known.get(who(l)) ?? new Set<string>();
      set.add(JSON.stringify(Object.entries(l.quasi).sort()));
      known.set(who(l), set);
    }
  }
  const sizes = new Map<string, number>();
  for (const set of known.values()) {
    const c = [...set].sort().join('|');
    sizes.set(c, (sizes.get(c) ?? 0) + 1);
  }
  return [...sizes.values()];
}

const REGIONS = ['110101', '310101', '440101'];

describe('k-anonymity of one export', () => {
  const dataDir = tempDir();
  const out = join(tempDir(), 'k5');
  const specs: SubjectSpec[] = Array.from({ length: 30 }, (_, i) => ({
    region: REGIONS[i % 3]!, birthDate: `${1960 + ((i * 7) % 40)}-02-01`, gender: i % 2 === 0 ? 'female' : 'male', project: 'one',
  }));

  it('has no class under 5, and reports the smallest class and what it generalised', async () => {
    await ingestLines(dataDir, recordsOf(specs));
    const raw = await exportDataset({ dataDir, out: join(tempDir(), 'raw') });
    // Without the check the data singles people out: the test has something to catch.
    expect(Math.min(...classSizes(readJsonl<Line>(join(raw.manifest))))).toBeLessThan(5);
    const s = await exportDataset({ dataDir, out, k: 5 });
    const lines = readJsonl<Line>(join(out, 'manifest.jsonl'));
    expect(Math.min(...classSizes(lines))).toBeGreaterThanOrEqual(5);
    expect(s.kAnonymity.smallestClass).toBe(Math.min(...classSizes(lines)));
    expect(s.kAnonymity.generalised).toBeGreaterThan(0);
    expect(Object.keys(s.kAnonymity.steps).length).toBeGreaterThan(0);
    expect(s.kAnonymity.suppressed).toBeLessThanOrEqual(1); // 5% of 30 subjects
    expect(s.records + s.kAnonymity.suppressed).toBe(30);
    expect(s.excluded.K_ANONYMITY).toBe(s.kAnonymity.suppressed);
  });

  it('starts where --generalise says (province as region, no gender)', async () => {
    const o = join(tempDir(), 'g');
    const s = await exportDataset({ dataDir, out: o, generalise: 'province=region,gender=none,age=10' });
    const lines = readJsonl<Line>(join(o, 'manifest.jsonl'));
    expect(s.kAnonymity.generalised).toBe(30);
    for (const l of lines) {
      expect(Object.keys(l.quasi).sort()).toEqual(['ageBand', 'region']);
      expect(['North', 'East', 'South Central']).toContain(l.quasi.region);
      expect(String(l.quasi.ageBand)).toMatch(/^\d+0-\d+9$/);
    }
  });
});

describe('k-anonymity over the union of deliveries', () => {
  const dataDir = tempDir();
  const work = tempDir();
  const young = (region: string): SubjectSpec => ({ region, birthDate: '1990-05-01', gender: 'female' });
  const old = (region: string, year: string): SubjectSpec => ({ region, birthDate: `${year}-01-01`, gender: 'female' });
  // Subjects 0-4 are 30-34: four from Beijing, one from Shanghai; 5-8 are over 50 in Shanghai; 9 over 60 in Beijing.
  const people = [young('110101'), young('110101'), young('110101'), young('110101'), young('310101'),
    old('310101', '1970'), old('310101', '1971'), old('310101', '1972'), old('310101', '1973'), old('110101', '1963')];

  beforeAll(async () => {
    // Delivery 1 (project p1): the young five. Delivery 2 (project p2): everyone.
    await ingestLines(dataDir, [
      ...recordsOf(people.slice(0, 5).map((p) => ({ ...p, project: 'p1' })), 0, 'p1'),
      ...recordsOf(people.map((p) => ({ ...p, project: 'p2' })), 0, 'p2'),
    ]);
    await addRecipient({ name: 'acme', jurisdiction: 'CN' }, { dataDir });
    await addRecipient({ name: 'fresh', jurisdiction: 'CN' }, { dataDir });
  });

  it('catches two 5-anonymous deliveries that together single a person out', async () => {
    const first = await exportDataset({ dataDir, out: join(work, 'd1'), recipient: 'acme', project: 'p1', k: 5, generalise: 'province=none,gender=none' });
    expect(first.records).toBe(5);
    expect(first.kAnonymity.smallestClass).toBe(5);
    expect(first.kAnonymity.steps).toEqual({});
    const d1 = readJsonl<Line>(join(work, 'd1', 'manifest.jsonl'));

    // The same second delivery to a recipient that holds nothing yet: 5-anonymous as it is.
    const alone = await exportDataset({ dataDir, out: join(work, 'alone'), recipient: 'fresh', project: 'p2', k: 5, generalise: 'age=none,gender=none' });
    expect(alone.kAnonymity.steps).toEqual({});
    expect(alone.kAnonymity.smallestClass).toBe(5);
    const naive = readJsonl<Line>(join(work, 'alone', 'manifest.jsonl'));
    expect(Math.min(...classSizes(naive))).toBe(5);
    // Had acme received it unchanged, joined on its stable pseudonyms with delivery 1, the
    // Shanghai subject aged 30-34 would stand alone (subjects matched here through the ledger).
    const subjectOf = new Map<string, string>();
    for await (const d of listDisclosures({ dataDir })) subjectOf.set(d.objectId, d.subjectId);
    expect(Math.min(...classSizesBy((l) => subjectOf.get(l.id)!, d1, naive))).toBe(1);

    const second = await exportDataset({ dataDir, out: join(work, 'd2'), recipient: 'acme', project: 'p2', k: 5, generalise: 'age=none,gender=none' });
    const d2 = readJsonl<Line>(join(work, 'd2', 'manifest.jsonl'));
    // Caught: the second delivery is generalised (or suppressed) until the union holds.
    expect(second.kAnonymity.steps.province ?? 0).toBeGreaterThan(0);
    expect(second.kAnonymity.smallestClass).toBeGreaterThanOrEqual(5);
    expect(Math.min(...classSizes(d1, d2))).toBeGreaterThanOrEqual(5);
    // The ledger now holds both deliveries: a third one like the second is checked against both.
    const third = await exportDataset({ dataDir, out: join(work, 'd3'), recipient: 'acme', project: 'p2', k: 5, generalise: 'age=none,gender=none' });
    expect(third.kAnonymity.smallestClass).toBeGreaterThanOrEqual(5);
    expect(Math.min(...classSizes(d1, d2, readJsonl<Line>(join(work, 'd3', 'manifest.jsonl'))))).toBeGreaterThanOrEqual(5);
    expect(second.records + second.kAnonymity.suppressed).toBe(10);
  });
});
