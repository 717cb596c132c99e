/**
 * The S3 store on s3rver (loopback, its own process) against the fs store, informational: put
 * and get of many 1 KiB objects (the size of one business object; the pipeline batches them into
 * segments, so this is the worst case), and one streamed 64 MiB medium. Prints rates, the ratio
 * s3/fs, the CPU the s3rver process used, and the bench's peak RSS during the 64 MiB put (the
 * multipart upload keeps at most queueSize + 1 parts in memory). Checks every byte read back.
 *
 *   node --import tsx bench/store-s3.ts
 *   node --import tsx bench/store-s3.ts --small 2000 --concurrency 16 --large-mib 64
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { FsObjectStore } from '../src/store/fs.js';
import type { ObjectStore } from '../src/store/object-store.js';
import { S3ObjectStore } from '../src/store/s3.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const SMALL = arg('small', 1000);
const CONCURRENCY = arg('concurrency', 8);
const LARGE = arg('large-mib', 64) * 1024 * 1024;
const MiB = 1024 * 1024;

/** CPU seconds a process used so far, from /proc (utime + stime, in clock ticks of 1/100 s). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startS3rver(dir: string): Promise<{ endpoint: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', join(import.meta.dirname, '../test/servers/s3rver-child.mjs'), dir, 'sunder-bench'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { port: number }).port));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

interface Result { putPerS: number; getPerS: number; largePutMiBs: number; largeGetMiBs: number; peakRssMiB: number }

async function measure(store: ObjectStore): Promise<Result> {
  const keys = Array.from({ length: SMALL }, () => `segments/${randomBytes(12).toString('base64url')}`);
  const body = (k: string) => Buffer.concat([Buffer.from(k.padEnd(64)), Buffer.alloc(1024 - 64, 7)]);
  let t = performance.now();
  await pool(keys, CONCURRENCY, async (k) => void (await store.put(k, body(k))));
  const putPerS = SMALL / ((performance.now() - t) / 1000);
  t = performance.now();
  await pool(keys, CONCURRENCY, async (k) => {
    if (!(await drain(await store.get(k))).equals(body(k))) throw new Error(`${store.name}: a small object came back different`);
  });
  const getPerS = SMALL / ((performance.now() - t) / 1000);

  const chunk = 256 * 1024;
  const sent = createHash('sha256');
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const source = Readable.from((function* () {
    for (let at = 0; at < LARGE; at += chunk) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const c = randomBytes(chunk);
      sent.update(c);
      yield c;
    }
  })());
  t = performance.now();
  const { bytes } = await store.put('media/BENCHLARGEMEDIA01', source);
  const largePutMiBs = bytes / MiB / ((performance.now() - t) / 1000);
  t = performance.now();
  const got = createHash('sha256');
  for await (const c of await store.get('media/BENCHLARGEMEDIA01')) got.update(c as Buffer);
  const largeGetMiBs = LARGE / MiB / ((performance.now() - t) / 1000);
  if (bytes !== LARGE || got.digest('hex') !== sent.digest('hex')) throw new Error(`${store.name}: the large medium came back different`);
  await store.deleteMany([...keys, 'media/BENCHLARGEMEDIA01']);
  return { putPerS, getPerS, largePutMiBs, largeGetMiBs, peakRssMiB: (peakRss - baseRss) / MiB };
}

const dir = mkdtempSync(join(tmpdir(), 'sunder-bench-s3-'));
const server = await startS3rver(join(dir, 's3rver'));
try {
  const fs = await measure(new FsObjectStore(join(dir, 'fs')));
  const s3store = new S3ObjectStore({
    bucket: 'sunder-bench', prefix: 'bench', endpoint: server.endpoint, region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const cpuBefore = cpuOf(server.pid);
  const selfBefore = process.cpuUsage();
  const s3 = await measure(s3store);
  const self = process.cpuUsage(selfBefore);
  const s3rverCpu = cpuOf(server.pid) - cpuBefore;
  await s3store.close();
  const row = (what: string, a: number, b: number, unit: string) =>
    console.log(`${what.padEnd(34)} fs ${a.toFixed(1).padStart(9)} ${unit}   s3 ${b.toFixed(1).padStart(9)} ${unit}   s3/fs ${(b / a).toFixed(3)}x`);
  console.log(`S3 store on s3rver (loopback) vs fs store: ${SMALL} objects of 1 KiB at concurrency ${CONCURRENCY}, one ${LARGE / MiB} MiB medium`);
  row('put 1 KiB', fs.putPerS, s3.putPerS, 'obj/s');
  row('get 1 KiB', fs.getPerS, s3.getPerS, 'obj/s');
  row(`put ${LARGE / MiB} MiB (stream)`, fs.largePutMiBs, s3.largePutMiBs, 'MiB/s');
  row(`get ${LARGE / MiB} MiB (stream)`, fs.largeGetMiBs, s3.largeGetMiBs, 'MiB/s');
  console.log(`peak RSS growth during the ${LARGE / MiB} MiB put: fs ${fs.peakRssMiB.toFixed(1)} MiB, s3 ${s3.peakRssMiB.toFixed(1)} MiB (8 MiB parts, 4 in flight)`);
  console.log(`CPU during the s3 run: bench ${((self.user + self.system) / 1e6).toFixed(1)} s, s3rver ${s3rverCpu.toFixed(1)} s`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
