/**
 * Many ingest hosts on one PostgreSQL vault and key store: real `sunder ingest` processes, fed the
 * same records of the same new people at the same moment, end with one subject per person, one
 * key pair per subject, each record once, no orphan object or key row, and nothing pending. A
 * host whose database connections are terminated mid-run fails cleanly, and a re-run completes.
 */
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateRecords, writeNdjson } from '../../fixtures/lib/synth.js';
import { S3ObjectStore } from '../../src/store/s3.js';
import { tempDir } from '../helpers/tmp.js';
import { freshDatabase, pgSkipReason, pgTitle, queryDb } from '../servers/postgres.js';
import { freshPrefix, s3ChildEnv, s3Target } from '../servers/s3-target.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');

interface Result { code: number | null; stdout: string; stderr: string }

function sunder(args: string[], env: Record<string, string> = {}, stdin?: Promise<Buffer>): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } });
    if (stdin === undefined) child.stdin.end();
    else void stdin.then((bytes) => child.stdin.end(bytes));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function summaryOf(r: Result): { stored: number; duplicates: number; rejected: number; subjects: number } {
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { stored: number; duplicates: number; rejected: number; subjects: number };
}

function filesUnder(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else n++;
    }
  };
  walk(dir);
  return n;
}

interface Totals { subjects: number; records: number; distinctRecords: number; keys: number; orphanKeys: number; keylessSubjects: number; pending: number; segments: number; media: number; subjectsPerDigest: number }

async function totals(url: string): Promise<Totals> {
  const [row] = await queryDb<Record<keyof Totals, string>>(url, `SET search_path = sunder_vault, sunder_keystore;`).then(() => queryDb<Record<keyof Totals, string>>(url, `
    SELECT (SELECT count(*) FROM sunder_vault.subjects) AS subjects,
      (SELECT count(*) FROM sunder_vault.records) AS records,
      (SELECT count(DISTINCT record_id) FROM sunder_vault.records) AS "distinctRecords",
      (SELECT count(*) FROM sunder_keystore.subject_keys) AS keys,
      (SELECT count(*) FROM sunder_keystore.subject_keys k WHERE NOT EXISTS (SELECT 1 FROM sunder_vault.subjects s WHERE s.key_id = k.key_id)) AS "orphanKeys",
      (SELECT count(*) FROM sunder_vault.subjects s WHERE NOT EXISTS (SELECT 1 FROM sunder_keystore.subject_keys k WHERE s.key_id = k.key_id)) AS "keylessSubjects",
      (SELECT count(*) FROM sunder_vault.pending) AS pending,
      (SELECT count(*) FROM sunder_vault.segments) AS segments,
      (SELECT count(*) FROM sunder_vault.media) AS media,
      (SELECT coalesce(max(n), 0) FROM (SELECT count(DISTINCT subject_id) AS n FROM sunder_vault.blind_index GROUP BY kind, digest) x) AS "subjectsPerDigest"`));
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)])) as unknown as Totals;
}

describe.skipIf(pgSkipReason !== undefined)(pgTitle('many ingest hosts on one PostgreSQL vault and key store'), () => {
  const work = tempDir();
  const input = join(work, 'records.ndjson');
  const policy = join(work, 'policy.json');
  const keys = join(work, 'keys');
  let baseline: { stored: number; subjects: number };

  beforeAll(async () => {
    // 170 people, ~3.5 records each, spread over the file; every record carries all of its
    // person's identifiers and birth date, so any order of the records makes the same subjects
    // (hosts below read them in different orders).
    const records = [...generateRecords({ seed: 14, count: 600, recordsPerSubject: 1, textBytes: 200, minorShare: 0 })];
    const people = records.slice(0, 170).map((r) => r.subject);
    writeFileSync(input, records.map((r, i) => JSON.stringify({ ...r, subject: people[(i * 7919) % 170] })).join('\n') + '\n');
    // Small batches: many commits per host, so the hosts' commits interleave.
    writeFileSync(policy, JSON.stringify({ batchSize: 12 }));
    // One host alone, embedded: what the hosts together must end with. Its keys are everyone's.
    const base = await sunder(['--data', join(work, 'base'), 'ingest', '--policy', policy, input, '--json']);
    expect(base.code, base.stderr).toBe(0);
    baseline = summaryOf(base);
    expect(baseline.stored).toBe(600);
    cpSync(join(work, 'base', 'keys'), keys, { recursive: true });
  });

  async function hostsAtOnce(n: number, store: { url: string; env: Record<string, string>; objects: () => Promise<number> }): Promise<void> {
    const url = await freshDatabase();
    // Every host reads the records from standard input, given to all of them at one moment once
    // each has opened the stores (its vault session shows in pg_stat_activity): they race.
    // Each host reads the people in its own order (forward, backward, from the middle): they
    // meet at the same new people from several sides at once.
    const lines = readFileSync(input, 'utf8').trim().split('\n');
    const orders = Array.from({ length: n }, (_, i) => {
      const rotated = [...lines.slice((Math.floor(i / 2) * lines.length) / 2), ...lines.slice(0, (Math.floor(i / 2) * lines.length) / 2)];
      return Buffer.from((i % 2 === 0 ? rotated : rotated.reverse()).join('\n') + '\n');
    });
    let go!: () => void;
    const start = new Promise<void>((r) => (go = r));
    const tag = `sunder-host-${process.pid}-${n}`;
    const runs = Promise.all(Array.from({ length: n }, (_, i) => sunder(['--data', join(work, `h${n}-${i}`), '--keys', keys,
      '--vault', `${url}?application_name=${tag}-${i}`, '--keystore', url, '--store', store.url, 'ingest', '--policy', policy, '-', '--json'], store.env, start.then(() => orders[i]!))));
    for (let i = 0; i < 400; i++) {
      const [ready] = await queryDb<{ n: string }>(url, "SELECT count(DISTINCT application_name) AS n FROM pg_stat_activity WHERE application_name LIKE $1", [`${tag}-%`]);
      if (Number(ready!.n) === n) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    go();
    const done = await runs;
    for (const r of done) expect(r.code, r.stderr).toBe(0);
    const sums = done.map(summaryOf);
    // Every host gave every record an outcome; together they stored each record once.
    expect(sums.reduce((a, s) => a + s.stored, 0)).toBe(600);
    expect(sums.reduce((a, s) => a + s.duplicates, 0)).toBe(600 * (n - 1));
    expect(sums.reduce((a, s) => a + s.subjects, 0)).toBe(baseline.subjects);
    // The hosts really did share the work (not one finishing before the next started).
    expect(sums.filter((s) => s.stored > 0).length).toBeGreaterThan(1);
    const t = await totals(url);
    expect(t).toMatchObject({ subjects: baseline.subjects, records: 600, distinctRecords: 600, keys: baseline.subjects, orphanKeys: 0, keylessSubjects: 0, pending: 0, subjectsPerDigest: 1 });
    // No orphan object: the store holds exactly the committed segments.
    expect(await store.objects()).toBe(t.segments);
    // Every record opens with its subject's keys, the losers' re-sealed ones included.
    const out = join(work, `export-${n}`);
    const exp = await sunder(['--data', join(work, `h${n}-0`), '--keys', keys, '--vault', url, '--keystore', url, '--store', store.url,
      'export', '--out', out, '--json'], store.env);
    expect(exp.code, exp.stderr).toBe(0);
    expect(summaryOf(exp)).toMatchObject({ records: 600, skipped: 0 });
  }

  it('two processes on a shared file store', async () => {
    const objects = join(work, 'objects-2');
    await hostsAtOnce(2, { url: `file://${objects}`, env: {}, objects: async () => filesUnder(objects) });
  }, 240_000);

  it('four processes on one S3 prefix (s3rver)', async () => {
    const t = s3Target();
    const prefix = freshPrefix('many-hosts');
    const bucket = new S3ObjectStore({ bucket: t.bucket, prefix, endpoint: t.endpoint, region: t.region, ...(t.credentials === undefined ? {} : { credentials: t.credentials }) });
    try {
      await hostsAtOnce(4, {
        url: `s3://${t.bucket}/${prefix}`,
        env: s3ChildEnv(),
        objects: async () => {
          let n = 0;
          for (const p of ['segments', 'media']) for await (const _ of bucket.list(p)) n++;
          return n;
        },
      });
    } finally {
      await bucket.close();
    }
  }, 300_000);

  it('a host whose connections are terminated mid-run fails cleanly; a re-run completes, nothing lost or duplicated', async () => {
    const url = await freshDatabase();
    const objects = join(work, 'objects-fault');
    const big = join(work, 'big.ndjson');
    await writeNdjson(big, { seed: 15, count: 3000, recordsPerSubject: 3.5, textBytes: 200, minorShare: 0 });
    const appName = `sunder-fault-${process.pid}`;
    const args = (data: string, name: string) => ['--data', data, '--keys', keys, '--vault', `${url}?application_name=${name}`, '--keystore', url,
      '--store', `file://${objects}`, 'ingest', '--policy', policy, big, '--json'];
    const running = sunder(args(join(work, 'fault-1'), appName));
    // Mid-batch: once some batches have committed, end every session of that process (found by
    // its application_name; no other session is touched).
    let killed = 0;
    for (let i = 0; i < 600 && killed === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const [c] = await queryDb<{ n: string }>(url, 'SELECT count(*) AS n FROM sunder_vault.records').catch(() => [{ n: '0' }]);
      if (Number(c!.n) < 200) continue;
      const ended = await queryDb<{ pid: number }>(url, 'SELECT pg_terminate_backend(pid) AS ok, pid FROM pg_stat_activity WHERE application_name = $1', [appName]);
      killed = ended.length;
    }
    expect(killed).toBeGreaterThan(0);
    const first = await running;
    expect(first.code).not.toBe(0);
    const [mid] = await queryDb<{ n: string }>(url, 'SELECT count(*) AS n FROM sunder_vault.records');
    expect(Number(mid!.n)).toBeLessThan(3000);
    // The re-run (another host) recovers the dead run's marks and stores the rest.
    const again = await sunder(args(join(work, 'fault-2'), 'sunder-fault-rerun'));
    expect(again.code, again.stderr).toBe(0);
    const s = summaryOf(again);
    expect(s.stored + s.duplicates).toBe(3000);
    expect(s.stored).toBe(3000 - Number(mid!.n));
    const t = await totals(url);
    expect(t).toMatchObject({ records: 3000, distinctRecords: 3000, orphanKeys: 0, keylessSubjects: 0, pending: 0, subjectsPerDigest: 1 });
    expect(filesUnder(objects)).toBe(t.segments);
  }, 300_000);
});
