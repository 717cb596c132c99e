/**
 * validateRecord runs the record schema compiled ahead of time (z.compile); these tests hold it
 * to the runtime parser's answers: the same records out, the same rejections (code and path).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateRecords } from '../../fixtures/lib/synth.js';
import { formatPath } from '../../src/record/paths.js';
import { validateRecord } from '../../src/record/validate.js';
import { collectedRecordSchema } from '../../src/record/schema.js';

const sampleLines = readFileSync(join(import.meta.dirname, '../../fixtures/sample/records.ndjson'), 'utf8').split('\n').filter((l) => l.trim() !== '');

function parsed(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/** Valid records with one thing wrong each: every kind of field and check the schema has. */
function mutants(base: Record<string, unknown>): unknown[] {
  const j = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  const out: unknown[] = [];
  const edit = (f: (r: any) => void) => {
    const r = j(base) as any;
    f(r);
    out.push(r);
  };
  edit((r) => delete r.recordId);
  edit((r) => (r.recordId = '-starts-with-dash'));
  edit((r) => (r.recordId = 'x'.repeat(129)));
  edit((r) => (r.project = 42));
  edit((r) => (r.collectedAt = '2022-01-05T10:12:00'));
  edit((r) => (r.collectedAt = '2022-01-05T10:12+08:00'));
  edit((r) => (r.collectedAt = '2022-02-30T10:12:00Z'));
  edit((r) => (r.extra = true));
  edit((r) => (r.subject.name = ''));
  edit((r) => (r.subject.gender = 'x'));
  edit((r) => (r.subject.birthDate = '1990-13-01'));
  edit((r) => (r.subject.unknown = 'field'));
  edit((r) => (r.subject.guardian = { name: 'g' }));
  edit((r) => (r.consent = { policyVersion: 'v', grantedAt: '2022-01-05T10:00:00Z', scopes: ['voice', 'smell'] }));
  edit((r) => (r.consent = { policyVersion: 'v', grantedAt: '2022-01-05T10:00:00Z', scopes: [] }));
  edit((r) => (r.consent = { policyVersion: 'v', grantedAt: '2022-01-05T10:00:00Z', scopes: ['text'], crossBorder: 'no' }));
  edit((r) => delete r.consent);
  edit((r) => delete r.business);
  edit((r) => (r.business = { attributes: { a: { nested: 1 } } }));
  edit((r) => (r.business = { attributes: { n: 1, b: false, z: null, s: 'x' }, text: {} }));
  edit((r) => (r.business = { text: { sms: 7 } }));
  edit((r) => (r.business = { media: [{ kind: 'audio', path: '' }] }));
  edit((r) => (r.business = { media: [{ kind: 'smell', path: 'a.wav' }] }));
  return out;
}

describe('validateRecord (compiled schema)', () => {
  it('compiles: the schema has an ahead-of-time fast path, not the silent runtime fallback', () => {
    expect(() => z.compile(collectedRecordSchema, { strict: true })).not.toThrow();
  });

  it('gives exactly the runtime parser\'s answer for every sample line, generated record and mutant', () => {
    const inputs: unknown[] = [...sampleLines.map(parsed), ...generateRecords({ seed: 9, count: 300, textBytes: 200 })];
    inputs.push(...mutants(JSON.parse(sampleLines[0]!) as Record<string, unknown>));
    let valid = 0;
    let invalid = 0;
    for (const input of inputs) {
      const runtime = collectedRecordSchema.safeParse(input);
      const got = validateRecord(input);
      if (runtime.success) {
        valid++;
        expect(got.ok).toBe(true);
        // Key order included: business JSON is built from these objects.
        if (got.ok) expect(JSON.stringify(got.record)).toBe(JSON.stringify(runtime.data));
      } else {
        invalid++;
        expect(got.ok).toBe(false);
        // The same first issue: its path (an unknown key is named after it).
        if (!got.ok) expect(got.rejection.path.startsWith(formatPath(runtime.error.issues[0]!.path))).toBe(true);
      }
    }
    // The mix really has both kinds.
    expect(valid).toBeGreaterThan(300);
    expect(invalid).toBeGreaterThan(20);
  });
});
