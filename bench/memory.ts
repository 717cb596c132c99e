/**
 * Peak memory of ingesting large records: memory must be bounded by the bytes in flight (the
 * policy's input.maxBatchBytes and maxRecordBytes), not by the number of records. Before the
 * bound, 100 records of 11 MB took 3.4 GB of RSS (a batch held up to 1,000 records).
 *
 * Runs the ingest in this process and prints one JSON line with the peak RSS (getrusage maxRSS,
 * which covers the worker threads too). test/pipeline/sources-memory.test.ts runs it as a child
 * process and asserts the bound; run it by hand for the full size:
 *
 *   node --import tsx bench/memory.ts                 # 100 records of 11 MB
 *   node --import tsx bench/memory.ts --records 24 --mb 11 --batch-mb 32
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Ingestor } from '../src/pipeline/ingest.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const RECORDS = arg('records', 100);
const MB = arg('mb', 11);
const BATCH_MB = arg('batch-mb', 0); // 0: the policy's default
const FIELD = 1_000_000; // the schema's limit on one text field

/** One record of about `MB` megabytes of business text, as an NDJSON line; built on demand. */
function line(i: number): Buffer {
  const filler = `Session ${i} notes: the reader paused, then went on with the list. `;
  const field = filler.repeat(Math.ceil(FIELD / filler.length)).slice(0, FIELD - 16);
  const text: Record<string, string> = {};
  for (let k = 0; k * FIELD < MB * 1e6; k++) text[`part${k}`] = field;
  return Buffer.from(JSON.stringify({
    recordId: `big-${i}`, project: 'memory', collectedAt: '2024-01-01T00:00:00Z',
    subject: { name: `Reader ${i}`, email: `reader.${i}@example.com`, birthDate: '1990-01-01' },
    consent: { policyVersion: '1', grantedAt: '2024-01-01T00:00:00Z', scopes: ['text'] },
    business: { text },
  }) + '\n');
}

async function* lines(): AsyncGenerator<Buffer> {
  for (let i = 0; i < RECORDS; i++) yield line(i);
}

const dir = mkdtempSync(join(tmpdir(), 'sunder-memory-'));
try {
  const started = Date.now();
  const ingestor = await Ingestor.open({
    dataDir: dir,
    ...(BATCH_MB > 0 ? { policy: { input: { maxBatchBytes: BATCH_MB * 1024 * 1024 } } } : {}),
  });
  const s = await ingestor.ingestStream(Readable.from(lines()), { format: 'ndjson' }).done();
  await ingestor.close();
  const bytes = line(0).length;
  process.stdout.write(JSON.stringify({
    records: s.records, stored: s.stored, rejections: s.rejections, recordBytes: bytes,
    inputMB: Math.round((bytes * RECORDS) / 1e6), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), elapsedMs: Date.now() - started,
  }) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
