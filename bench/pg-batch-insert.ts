/**
 * How the PostgreSQL vault writes a commit batch, measured: the same 1,000-row batches of
 * record rows (12 columns, as `records`), one transaction each, written five ways into a fresh
 * database on the local server. Prints rows/s and each way's ratio to the fastest.
 *
 *   node --import tsx bench/pg-batch-insert.ts [--rows 40000] [--url postgres://postgres@127.0.0.1/postgres]
 */
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1]!;
};
const ROWS = Number(arg('rows', '40000'));
const BATCH = 1000;
const ADMIN = arg('url', 'postgres://postgres@127.0.0.1/postgres');

const TABLE = `(record_id text PRIMARY KEY, subject_id text NOT NULL, object_id text NOT NULL, project text NOT NULL,
  collected_at text NOT NULL, segment_id text NOT NULL, "offset" bigint NOT NULL, length bigint NOT NULL, scopes text NOT NULL,
  cross_border boolean NOT NULL, policy_version text NOT NULL, run_id text NOT NULL)`;
const COLS = 'record_id, subject_id, object_id, project, collected_at, segment_id, "offset", length, scopes, cross_border, policy_version, run_id';
type Row = [string, string, string, string, string, string, number, number, string, boolean, string, string];

function rows(prefix: string, n: number): Row[] {
  return Array.from({ length: n }, (_, i) => [`${prefix}-${i}`, randomBytes(12).toString('base64url'), randomBytes(16).toString('base64url'),
    'support-email-2023', '2023-01-01T09:00:00+08:00', randomBytes(12).toString('base64url'), i * 900, 900, 'voice|text', false, '2023-01', 'run-1']);
}

type Writer = (c: pg.Client, table: string, batch: Row[]) => Promise<void>;

const single: Writer = async (c, table, batch) => {
  for (const r of batch) await c.query(`INSERT INTO ${table} (${COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`, r);
};

const multiValues: Writer = async (c, table, batch) => {
  const params: unknown[] = [];
  const tuples = batch.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(',')})`);
  await c.query(`INSERT INTO ${table} (${COLS}) VALUES ${tuples.join(',')} ON CONFLICT (record_id) DO NOTHING`, params);
};

const unnest: Writer = async (c, table, batch) => {
  const col = (i: number) => batch.map((r) => r[i]);
  await c.query(`INSERT INTO ${table} (${COLS}) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::bigint[], $8::bigint[], $9::text[], $10::boolean[], $11::text[], $12::text[]) ON CONFLICT (record_id) DO NOTHING`,
  Array.from({ length: 12 }, (_, i) => col(i)));
};

const copyText: Writer = async (c, table, batch) => {
  // The values here need no escaping (no tab, newline or backslash).
  const text = batch.map((r) => r.map((v) => (typeof v === 'boolean' ? (v ? 't' : 'f') : String(v))).join('\t')).join('\n') + '\n';
  await pipeline(Readable.from([Buffer.from(text)]), c.query(copyFrom(`COPY ${table} (${COLS}) FROM STDIN`)));
};

function binaryTuples(batch: Row[]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  for (const r of batch) {
    const head = Buffer.alloc(2);
    head.writeInt16BE(r.length);
    parts.push(head);
    for (const v of r) {
      let body: Buffer;
      if (typeof v === 'number') {
        body = Buffer.alloc(8);
        body.writeBigInt64BE(BigInt(v));
      } else if (typeof v === 'boolean') body = Buffer.from([v ? 1 : 0]);
      else body = Buffer.from(v);
      const len = Buffer.alloc(4);
      len.writeInt32BE(body.length);
      parts.push(len, body);
    }
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}

const copyBinary: Writer = async (c, table, batch) => {
  await pipeline(Readable.from([binaryTuples(batch)]), c.query(copyFrom(`COPY ${table} (${COLS}) FROM STDIN (FORMAT binary)`)));
};

async function main(): Promise<void> {
  const db = `sunder_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(ADMIN);
  url.pathname = `/${db}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    const ways: [string, Writer, number][] = [
      ['single-row INSERT', single, Math.min(ROWS, 4000)],
      ['multi-row INSERT ... VALUES ... ON CONFLICT', multiValues, ROWS],
      ['INSERT ... SELECT unnest(arrays) ON CONFLICT', unnest, ROWS],
      ['COPY text', copyText, ROWS],
      ['COPY binary', copyBinary, ROWS],
    ];
    const results: { name: string; rate: number }[] = [];
    for (const [name, write, n] of ways) {
      const table = `t_${results.length}`;
      await c.query(`CREATE TABLE ${table} ${TABLE}`);
      const data = rows(table, n);
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i += BATCH) {
        await c.query('BEGIN');
        await write(c, table, data.slice(i, i + BATCH));
        await c.query('COMMIT');
      }
      const s = Number(process.hrtime.bigint() - started) / 1e9;
      const count = Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
      if (count !== n) throw new Error(`${name}: ${count} rows of ${n}`);
      results.push({ name, rate: n / s });
    }
    const best = Math.max(...results.map((r) => r.rate));
    console.log(`PostgreSQL batch writes: ${ROWS.toLocaleString('en')} record rows, ${BATCH} per transaction (single-row: ${Math.min(ROWS, 4000)} rows)`);
    for (const r of results) console.log(`  ${r.name.padEnd(46)} ${Math.round(r.rate).toLocaleString('en').padStart(9)} rows/s  ${(r.rate / best).toFixed(2)}x of fastest`);
  } finally {
    await c.end();
    await admin.query(`DROP DATABASE ${db} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
