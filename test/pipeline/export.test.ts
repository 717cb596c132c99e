/**
 * Customer export: ids and pseudonyms are re-keyed per export. Within one export a subject has
 * one pseudonym and every record its own id; two exports (two customers) share neither, and
 * neither shows the vault's pseudonyms or object ids.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/export.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { readJsonl, SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

interface Line {
  id: string;
  pseudonym: string;
}

describe('customer export', () => {
  const dataDir = tempDir();
  let first: Line[];
  let second: Line[];
  /** The vault's view of the exported records, in export order (by rowid, active subjects only). */
  let rows: { subject_id: string; pseudonym: string; object_id: string }[];

  beforeAll(async () => {
    const ingestor = await Ingestor.open({ dataDir });
    try {
      await ingestor.ingestFile(SAMPLE_NDJSON).done();
    } finally {
      await ingestor.close();
    }
    const outs = [join(tempDir(), 'a'), join(tempDir(), 'b')];
    for (const out of outs) await exportDataset({ dataDir, out });
    first = readJsonl<Line>(join(outs[0]!, 'manifest.jsonl'));
    second = readJsonl<Line>(join(outs[1]!, 'manifest.jsonl'));
    const db = new Database(join(dataDir, 'vault.db'), { readonly: true });
    rows = db.prepare(`SELECT r.subject_id, s.pseudonym, r.object_id FROM records r JOIN subjects s ON s.subject_id = r.subject_id
      WHERE s.status = 'active' ORDER BY r.rowid`).all() as typeof rows;
    db.close();
  });

  it('exports every active record once', () => {
    expect(rows.length).toBeGreaterThan(100);
    expect(first).toHaveLength(rows.length);
    expect(new Set(first.map((l) => l.id)).size).toBe(rows.length);
  });

  it('gives each subject exactly one pseudonym within an export', () => {
    const bySubject = new Map<string, string>();
    const byPseudonym = new Map<string, string>();
    first.forEach((line, i) => {
      const subject = rows[i]!.subject_id;
      expect(bySubject.get(subject) ?? line.pseudonym).toBe(line.pseudonym);
      expect(byPseudonym.get(line.pseudonym) ?? subject).toBe(subject);
      bySubject.set(subject, line.pseudonym);
      byPseudonym.set(line.pseudonym, subject);
    });
    expect(bySubject.size).toBe(new Set(rows.map((r) => r.subject_id)).size);
    expect(bySubject.size).toBeGreaterThan(10);
  });

  it('shares no id or pseudonym between two exports, nor with the vault', () => {
    const a = new Set(first.flatMap((l) => [l.id, l.pseudonym]));
    for (const l of second) {
      expect(a.has(l.id)).toBe(false);
      expect(a.has(l.pseudonym)).toBe(false);
    }
    const vault = new Set(rows.flatMap((r) => [r.pseudonym, r.object_id]));
    for (const l of [...first, ...second]) {
      expect(vault.has(l.id)).toBe(false);
      expect(vault.has(l.pseudonym)).toBe(false);
    }
  });
});
