/**
 * Ingest on PostgreSQL (vault and key store) + S3 (s3rver) against the embedded default, and two
 * ingest processes against one, each pinned to a core with `taskset -c`. Every run is a real
 * `sunder ingest` process (dist/, built first). Prints records/s, the CPU seconds used by the
 * ingest processes, by PostgreSQL (every `postgres` process, from /proc) and by s3rver, and the
 * ratios against the targets: PostgreSQL + S3 >= 0.5x embedded; two pinned >= 1.4x one pinned.
 *
 *   npm run build && node --import tsx bench/ingest-postgres.ts [--records 8000]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { writeNdjson } from '../fixtures/lib/synth.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const RECORDS = arg('records', 8000);
const ADMIN = process.env.SUNDER_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1/postgres';
const CLI = join(import.meta.dirname, '../dist/cli/main.js');
const OUT = join(import.meta.dirname, '.out');
const TICK = 100; // USER_HZ: /proc times are in clock ticks

/** utime + stime of a process, in seconds (0 once it is gone). */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process named `postgres` alive now, by pid. */
function postgresCpu(into: Map<number, number>): void {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/comm`, 'utf8').trim() === 'postgres') into.set(Number(e), Math.max(into.get(Number(e)) ?? 0, cpuOf(Number(e))));
    } catch { /* gone */ }
  }
}

/**
 * PostgreSQL's CPU during `fn`: backends end with their connections, so every postgres process
 * is sampled while it runs (50 ms), and a backend that appeared counts from zero.
 */
async function withPostgresCpu<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const before = new Map<number, number>();
  postgresCpu(before);
  const seen = new Map(before);
  const timer = setInterval(() => postgresCpu(seen), 50);
  try {
    const out = await fn();
    postgresCpu(seen);
    let total = 0;
    for (const [pid, cpu] of seen) total += cpu - (before.get(pid) ?? 0);
    return [out, total];
  } finally {
    clearInterval(timer);
  }
}

interface Proc { code: number | null; cpu: number }

/** Runs one command; its CPU is read from /proc just before it exits (polled), children included via its own counters. */
function run(cmd: string[], env: Record<string, string>): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let cpu = 0;
    // Threads' times are in the process's own stat; sampled until it ends.
    const timer = setInterval(() => (cpu = Math.max(cpu, cpuOf(child.pid!))), 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) process.stderr.write(stderr);
      resolve({ code, cpu });
    });
  });
}

async function freshDb(): Promise<string> {
  const name = `sunder_bench_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}

async function dropDbs(): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  const rows = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'sunder_bench_%'");
  for (const r of rows.rows) await c.query(`DROP DATABASE ${r.datname} WITH (FORCE)`);
  await c.end();
}

async function startS3(dir: string): Promise<{ endpoint: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', join(import.meta.dirname, '../test/servers/s3rver-child.mjs'), dir, 'bench'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => createInterface({ input: child.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { port: number }).port)));
  return { endpoint: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => child.stdin!.end() };
}

interface Scenario { name: string; records: number; seconds: number; ingestCpu: number; pgCpu: number; s3Cpu: number }

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const files = [0, 1].map((k) => join(OUT, `pg-bench-${RECORDS}-${k}.ndjson`));
  // Two halves of different people (seeds), so two processes share no subject: the bench measures throughput, not races.
  for (const [k, f] of files.entries()) if (!existsSync(f)) await writeNdjson(f, { seed: 300 + k, count: RECORDS / 2, recordsPerSubject: 3.5, textBytes: 1024, idPrefix: `b${k}` });
  const work = mkdtempSync(join(tmpdir(), 'sunder-pg-bench-'));
  const s3 = await startS3(join(work, 's3'));
  const s3env = { SUNDER_S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const keys = join(work, 'keys');
  const results: Scenario[] = [];
  try {
    // Keys once (an init on a throwaway folder); every scenario uses them.
    await run([process.execPath, CLI, '--data', join(work, 'init'), '--keys', keys, 'init'], {});
    const measure = async (name: string, cmds: string[][], env: Record<string, string>) => {
      const s30 = cpuOf(s3.pid);
      const started = process.hrtime.bigint();
      const [procs, pgCpu] = await withPostgresCpu(() => Promise.all(cmds.map((c) => run(c, env))));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (procs.some((p) => p.code !== 0)) throw new Error(`${name}: an ingest failed`);
      results.push({ name, records: RECORDS, seconds, ingestCpu: procs.reduce((a, p) => a + p.cpu, 0), pgCpu, s3Cpu: cpuOf(s3.pid) - s30 });
    };
    const both = (pre: string[][], build: (f: string, i: number) => string[]) => files.map((f, i) => [...(pre[i] ?? []), ...build(f, i)]);
    const embedded = (dir: string) => [process.execPath, CLI, '--data', dir, '--keys', keys, 'ingest'];
    // One process reads both halves in one run (two files) in every one-process scenario.
    await measure('embedded (SQLite + fs), 1 process', [[...embedded(join(work, 'emb')), ...files]], {});
    const pgArgs = (url: string, dir: string, prefix: string) => [process.execPath, CLI, '--data', dir, '--keys', keys,
      '--vault', url, '--keystore', url, '--store', `s3://bench/${prefix}`, 'ingest'];
    let url = await freshDb();
    await measure('PostgreSQL + S3, 1 process', [[...pgArgs(url, join(work, 'p1'), 'p1'), ...files]], s3env);
    url = await freshDb();
    await measure('PostgreSQL + S3, 1 process pinned (taskset -c 0)', [['taskset', '-c', '0', ...pgArgs(url, join(work, 'p2'), 'p2'), ...files]], s3env);
    url = await freshDb();
    const u2 = url;
    await measure('PostgreSQL + S3, 2 processes pinned (-c 0, -c 1)', both([['taskset', '-c', '0'], ['taskset', '-c', '1']], (f, i) => [...pgArgs(u2, join(work, `p3-${i}`), 'p3'), f]), s3env);
  } finally {
    s3.stop();
    await dropDbs();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`ingest on PostgreSQL + S3 (s3rver): ${RECORDS.toLocaleString('en')} records of ~1 KiB text, ~3.5 per subject; CPU seconds from /proc`);
  for (const r of results) {
    console.log(`  ${r.name.padEnd(50)} ${Math.round(r.records / r.seconds).toLocaleString('en').padStart(6)} rec/s  wall ${r.seconds.toFixed(1)} s  ` +
      `cpu: ingest ${r.ingestCpu.toFixed(1)} s, postgres ${r.pgCpu.toFixed(1)} s, s3rver ${r.s3Cpu.toFixed(1)} s`);
  }
  const rate = (i: number) => results[i]!.records / results[i]!.seconds;
  const r1 = rate(1) / rate(0);
  const r2 = rate(3) / rate(2);
  console.log(`  PostgreSQL + S3 vs embedded: ${r1.toFixed(2)}x (target >= 0.5x) ${r1 >= 0.5 ? 'MET' : 'MISSED'}`);
  console.log(`  2 pinned vs 1 pinned:        ${r2.toFixed(2)}x (target >= 1.4x) ${r2 >= 1.4 ? 'MET' : 'MISSED'}`);
}

await main();
