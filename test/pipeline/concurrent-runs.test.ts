/**
 * Several runs streaming into one Ingestor at once (an ingestion service handling four HTTP
 * request bodies) end with the same vault as one run of the same records: one subject per
 * person, every subject findable by every identifier its records carried, every record with
 * its person's subject. Regression: each run once resolved subjects alone, and four streams
 * made 895 subjects for 288 people, 607 of them with no blind index.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../fixtures/lib/rng.js';
import { synthSubjects } from '../../fixtures/lib/synth.js';
import { blindIndex, type IdentifierKind } from '../../src/crypto/hmac.js';
import { loadRoleKeys } from '../../src/crypto/keys.js';
import { normalizeCnId, normalizeEmail, normalizePhone } from '../../src/id/normalize.js';
import { layoutOf } from '../../src/layout.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { FsObjectStore } from '../../src/store/fs.js';
import type { Outcome } from '../../src/record/outcome.js';
import { tempDir } from '../helpers/tmp.js';

interface Person {
  ids: { kind: IdentifierKind; normalised: string; field: 'idNumber' | 'phone' | 'email'; raw: string }[];
  birthDate: string;
  name: string;
}

interface TestRecord {
  person: number;
  value: Record<string, unknown>;
}

/** Adults only; every record carries the person's first identifier, so no order can split a person. */
function population(seed: number, people: number, records: number): { persons: Person[]; records: TestRecord[] } {
  const subjectAt = synthSubjects(seed, 0);
  const rng = createRng(seed);
  const persons: Person[] = [];
  for (let k = 0; k < people; k++) {
    const s = subjectAt(k);
    const ids: Person['ids'] = [];
    if (s.idNumber !== undefined) ids.push({ kind: 'cn_id', normalised: normalizeCnId(s.idNumber)!, field: 'idNumber', raw: s.idNumber });
    if (s.phone !== undefined) ids.push({ kind: 'phone', normalised: normalizePhone(s.phone)!, field: 'phone', raw: s.phone });
    if (s.email !== undefined) ids.push({ kind: 'email', normalised: normalizeEmail(s.email)!, field: 'email', raw: s.email });
    persons.push({ ids, birthDate: s.birthDate, name: s.name.full });
  }
  const out: TestRecord[] = [];
  for (let i = 0; i < records; i++) {
    // Every person at least once, then at random.
    const person = i < people ? i : rng.int(0, people - 1);
    const p = persons[person]!;
    const subject: Record<string, string> = { name: p.name, birthDate: p.birthDate };
    p.ids.forEach((id, j) => {
      if (j === 0 || rng.chance(0.5)) subject[id.field] = id.raw;
    });
    out.push({
      person,
      value: {
        recordId: `cc-${seed}-${i}`,
        project: 'concurrency',
        collectedAt: '2024-03-01T10:00:00+08:00',
        subject,
        consent: { policyVersion: '2024-01', grantedAt: '2024-03-01T09:00:00+08:00', scopes: ['text'], crossBorder: false, guardianConsent: false },
        business: { text: { note: `session ${i}` } },
      },
    });
  }
  return { persons, records: out };
}

function shuffled<T>(items: T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** NDJSON bytes that arrive in small chunks with pauses, like a request body. */
function requestBody(records: TestRecord[], rng: Rng): Readable {
  const text = records.map((r) => JSON.stringify(r.value) + '\n').join('');
  const chunks: string[] = [];
  for (let at = 0; at < text.length;) {
    const n = rng.int(50, 4_000);
    chunks.push(text.slice(at, at + n));
    at += n;
  }
  return Readable.from((async function* () {
    for (const c of chunks) {
      if (rng.chance(0.3)) await new Promise((r) => setTimeout(r, rng.int(0, 3)));
      yield c;
    }
  })(), { objectMode: false });
}

interface PersonCounts {
  subjects: number;
  blindIndexes: number;
  records: number;
}

/** Per person: the subjects their identifiers find, those subjects' blind indexes and records. */
async function countsByPerson(dataDir: string, persons: Person[], records: TestRecord[]): Promise<{ perPerson: PersonCounts[]; totals: { subjects: number; unindexed: number; records: number; recordsWithoutSubject: number } }> {
  const layout = layoutOf({ dataDir });
  const keys = await loadRoleKeys(layout.keysDir, 'ingest');
  const db = new Database(layout.vault, { readonly: true });
  try {
    const subjectOf = db.prepare('SELECT subject_id FROM blind_index WHERE kind = ? AND digest = ?').pluck();
    const blindOf = db.prepare('SELECT count(*) FROM blind_index WHERE subject_id = ?').pluck();
    const recordsOf = db.prepare('SELECT record_id FROM records WHERE subject_id = ?').pluck();
    const personOfRecord = new Map(records.map((r) => [r.value.recordId as string, r.person]));
    const perPerson = persons.map((p, k) => {
      const subjects = new Set<string>();
      for (const id of p.ids) {
        const s = subjectOf.get(id.kind, blindIndex(keys.indexKey, id.kind, id.normalised)) as string | undefined;
        if (s !== undefined) subjects.add(s);
      }
      let blindIndexes = 0;
      let recordCount = 0;
      for (const s of subjects) {
        blindIndexes += blindOf.get(s) as number;
        const ids = recordsOf.all(s) as string[];
        for (const r of ids) expect(personOfRecord.get(r)).toBe(k);
        recordCount += ids.length;
      }
      return { subjects: subjects.size, blindIndexes, records: recordCount };
    });
    const one = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      perPerson,
      totals: {
        subjects: one('SELECT count(*) FROM subjects'),
        unindexed: one('SELECT count(*) FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM blind_index b WHERE b.subject_id = s.subject_id)'),
        records: one('SELECT count(*) FROM records'),
        recordsWithoutSubject: one('SELECT count(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM subjects s WHERE s.subject_id = r.subject_id)'),
      },
    };
  } finally {
    db.close();
  }
}

/** What one person should have: one subject, one blind index per identifier any record carried. */
function expectedCounts(persons: Person[], records: TestRecord[]): PersonCounts[] {
  return persons.map((p, k) => {
    const mine = records.filter((r) => r.person === k);
    const carried = p.ids.filter((id) => mine.some((r) => (r.value.subject as Record<string, string>)[id.field] !== undefined));
    return { subjects: 1, blindIndexes: carried.length, records: mine.length };
  });
}

async function ingestConcurrently(dataDir: string, streams: TestRecord[][], rng: Rng, batchSize: number): Promise<Outcome[]> {
  const ingestor = await Ingestor.open({ dataDir, policy: { batchSize }, workers: 0, maxBatchDelayMs: 2 });
  try {
    const runs = streams.map((s) => ingestor.ingestStream(requestBody(s, rng), { format: 'ndjson' }));
    const outcomes = await Promise.all(runs.map(async (run) => {
      const mine: Outcome[] = [];
      for await (const o of run) {
        mine.push(o);
        if (rng.chance(0.05)) await new Promise((r) => setTimeout(r, 1));
      }
      return mine;
    }));
    return outcomes.flat();
  } finally {
    await ingestor.close();
  }
}

/** Splits records over `n` streams at random: people overlap across streams. */
function split(records: TestRecord[], n: number, rng: Rng): TestRecord[][] {
  const streams: TestRecord[][] = Array.from({ length: n }, () => []);
  for (const r of records) streams[rng.int(0, n - 1)]!.push(r);
  return streams;
}

describe('concurrent runs in one Ingestor', () => {
  it('four overlapping request bodies streamed at once give the same subjects, blind indexes and records per person as one run', async () => {
    const { persons, records } = population(11, 288, 1_042);
    const rng = createRng(5);
    const order = shuffled(records, rng);

    const single = tempDir();
    const ingestor = await Ingestor.open({ dataDir: single, workers: 0 });
    const one = await ingestor.ingest(order.map((r) => r.value)).done();
    await ingestor.close();
    expect(one.stored).toBe(1_042);
    const alone = await countsByPerson(single, persons, records);

    const together = tempDir();
    const outcomes = await ingestConcurrently(together, split(order, 4, rng), rng, 16);
    expect(outcomes).toHaveLength(1_042);
    expect(outcomes.filter((o) => o.status === 'stored')).toHaveLength(1_042);
    const concurrent = await countsByPerson(together, persons, records);

    const expected = expectedCounts(persons, records);
    expect(alone.perPerson).toEqual(expected);
    expect(concurrent.perPerson).toEqual(expected);
    expect(concurrent.totals).toEqual({ subjects: 288, unindexed: 0, records: 1_042, recordsWithoutSubject: 0 });
    expect(concurrent.totals).toEqual(alone.totals);
  });

  it('any interleaving of overlapping streams gives one subject per person, every subject indexed', async () => {
    const { persons, records } = population(23, 40, 160);
    const expected = expectedCounts(persons, records);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 4, max: 6 }), fc.integer({ min: 3, max: 12 }), async (seed, streams, batchSize) => {
        const rng = createRng(seed);
        const dataDir = tempDir();
        const outcomes = await ingestConcurrently(dataDir, split(shuffled(records, rng), streams, rng), rng, batchSize);
        expect(outcomes.filter((o) => o.status === 'stored')).toHaveLength(records.length);
        const got = await countsByPerson(dataDir, persons, records);
        expect(got.perPerson).toEqual(expected);
        expect(got.totals).toEqual({ subjects: persons.length, unindexed: 0, records: records.length, recordsWithoutSubject: 0 });
      }),
      { numRuns: 5, seed: 42 },
    );
  });

  it('a batch that fails takes down the batches that counted on it and leaves nothing behind in the shared overlay', async () => {
    const { persons, records } = population(31, 60, 240);
    const dataDir = tempDir();
    /** The real file store, whose first segment write fails (a disk or network error). */
    class FailingOnce extends FsObjectStore {
      failed = false;
      override async put(key: string, body: Parameters<FsObjectStore['put']>[1]) {
        if (!this.failed && key.startsWith('segments/')) {
          this.failed = true;
          throw new Error('injected store failure');
        }
        return super.put(key, body);
      }
    }
    const store = new FailingOnce(layoutOf({ dataDir }).objects);
    const ingestor = await Ingestor.open({ dataDir, store, policy: { batchSize: 8 }, workers: 0, maxBatchDelayMs: 2 });
    const rng = createRng(9);
    try {
      const firstTry = await Promise.all(split(shuffled(records, rng), 4, rng).map(async (stream) => {
        const got: Outcome[] = [];
        try {
          for await (const o of ingestor.ingestStream(requestBody(stream, rng), { format: 'ndjson' })) got.push(o);
          return { got, failed: false };
        } catch {
          return { got, failed: true };
        }
      }));
      expect(firstTry.some((r) => r.failed)).toBe(true);
      const storedBefore = new Set(firstTry.flatMap((r) => r.got).filter((o) => o.status === 'stored').map((o) => (o as { recordId: string }).recordId));
      // Everything again, in the same Ingestor: what the failed batches held is not "in flight".
      const again = await ingestor.ingest(records.map((r) => r.value)).done();
      expect(again.rejected).toBe(0);
      expect(again.duplicates).toBe(storedBefore.size);
      expect(again.stored).toBe(records.length - storedBefore.size);
    } finally {
      await ingestor.close();
    }
    const got = await countsByPerson(dataDir, persons, records);
    expect(got.perPerson).toEqual(expectedCounts(persons, records));
    expect(got.totals).toEqual({ subjects: persons.length, unindexed: 0, records: records.length, recordsWithoutSubject: 0 });
  });
});
