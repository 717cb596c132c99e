/**
 * Record validation: the zod schema's runtime parser vs the same schema compiled ahead of time
 * (`z.compile`), which ingest uses. Both parse the same 20,000 generated records (~1 KiB of text
 * each, as parsed from NDJSON); every output is checked equal before anything is timed, so a fast
 * but different parser fails here.
 *
 *   node --import tsx bench/validate.ts
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { generateRecords } from '../fixtures/lib/synth.js';
import { collectedRecordSchema } from '../src/record/schema.js';

const records = [...generateRecords({ seed: 1, count: 20_000, recordsPerSubject: 3.5, textBytes: 1024 })].map((r) => JSON.parse(JSON.stringify(r)) as unknown);
const compiled = z.compile(collectedRecordSchema, { strict: true });
for (const r of records) assert.equal(JSON.stringify(compiled.safeParse(r)), JSON.stringify(collectedRecordSchema.safeParse(r)));

function usPerRecord(schema: { safeParse(v: unknown): unknown }): number {
  for (const r of records.slice(0, 2_000)) schema.safeParse(r);
  const cpu = process.cpuUsage();
  for (let round = 0; round < 3; round++) for (const r of records) schema.safeParse(r);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / (3 * records.length);
}

const runtime = Math.min(usPerRecord(collectedRecordSchema), usPerRecord(collectedRecordSchema));
const aot = Math.min(usPerRecord(compiled), usPerRecord(compiled));
console.log(`${records.length.toLocaleString('en')} valid records, outputs identical`);
console.log(`zod runtime parser   ${runtime.toFixed(2).padStart(6)} µs/record (CPU)`);
console.log(`zod compiled parser  ${aot.toFixed(2).padStart(6)} µs/record (CPU)   ${(runtime / aot).toFixed(1)}x the runtime`);
