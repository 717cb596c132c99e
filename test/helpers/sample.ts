/** Loaders for the committed sample collection and helpers shared by pipeline tests. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeCnId, normalizeEmail, normalizePhone } from '../../src/id/normalize.js';

export const SAMPLE_DIR = join(import.meta.dirname, '../../fixtures/sample');
export const SAMPLE_NDJSON = join(SAMPLE_DIR, 'records.ndjson');
export const SAMPLE_CSV = join(SAMPLE_DIR, 'records.csv');

export interface Expected {
  index: number;
  recordId?: string;
  status: 'stored' | 'duplicate' | 'rejected';
  code?: string;
  path?: string;
}

export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

export interface Planted {
  own: { kind: string; value: string; spelled: string; recordId?: string }[];
  thirdParty: { kind: string; value: string; spelled: string; recordId?: string }[];
  distractors: { kind: string; value: string; recordId?: string; source: string }[];
}

export function planted(): Planted {
  return JSON.parse(readFileSync(join(SAMPLE_DIR, 'planted.json'), 'utf8')) as Planted;
}

/**
 * Every identity value in the sample's input lines (subjects and guardians), in the forms it
 * may take on disk: as given, normalised, and the usual alternative spellings.
 */
export function identityValues(): Set<string> {
  const values = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v !== 'string' || v.trim().length < 2) return;
    values.add(v);
    const id = normalizeCnId(v);
    if (id !== undefined) {
      values.add(id);
      values.add(id.toLowerCase());
    }
    const phone = normalizePhone(v);
    if (phone !== undefined && phone.replace(/\D/g, '').length >= 7) {
      values.add(phone);
      if (/^1\d{10}$/.test(phone)) values.add(`+86${phone}`);
    }
    const email = normalizeEmail(v);
    if (email !== undefined) values.add(email);
  };
  for (const s of sampleSubjects()) {
    for (const k of ['name', 'idNumber', 'phone', 'email', 'birthDate']) add(s[k]);
    const guardian = s.guardian;
    if (typeof guardian === 'object' && guardian !== null) for (const k of ['name', 'idNumber', 'phone', 'email']) add((guardian as Record<string, unknown>)[k]);
  }
  return values;
}

/** The `subject` object of every sample record that has one (malformed lines skipped). */
export function* sampleSubjects(): Generator<Record<string, unknown>> {
  for (const line of readFileSync(SAMPLE_NDJSON, 'utf8').split('\n')) {
    let rec: { subject?: unknown };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      continue;
    }
    const s = rec?.subject;
    if (typeof s === 'object' && s !== null) yield s as Record<string, unknown>;
  }
}

/** Every regular file below `dir`. */
export function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesBelow(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** The values (from `values`) found anywhere in the bytes of the files, as UTF-8 or UTF-16LE. */
export function findValuesInFiles(files: string[], values: Iterable<string>): { file: string; value: string }[] {
  const hits: { file: string; value: string }[] = [];
  const needles = [...values].map((v) => ({ v, utf8: Buffer.from(v, 'utf8'), utf16: Buffer.from(v, 'utf16le') }));
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const n of needles) {
      if (bytes.includes(n.utf8) || bytes.includes(n.utf16)) hits.push({ file, value: n.v });
    }
  }
  return hits;
}
