/**
 * The audit log's Merkle tree at scale: builds logs of 10,000 and 1,000,000 entries and times,
 * on each, `verify` (chain + tree in one pass), `checkpoint`, a receipt (inclusion proof of the
 * middle entry: verify pass + proof pass) and `verify --against` an early checkpoint
 * (consistency proof pass), with the heap's peak growth sampled while each runs. Raced against
 * the obvious alternative, holding every leaf hash in an array and proving from it, to show what
 * the streaming form saves in memory and what it costs in time. Every proof is verified.
 *
 *   Run: node --expose-gc --import tsx bench/audit-merkle.ts [--quick]   (--quick: 10,000 and 100,000)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditKey } from '../src/audit/key.js';
import { rawLines } from '../src/audit/leaves.js';
import { AuditLog } from '../src/audit/log.js';
import { inclusionProof, leafHash, rootOf, verifyInclusion } from '../src/audit/merkle.js';
import { canonicalJson } from '../src/audit/entry.js';
import { openCheckpoint } from '../src/audit/checkpoint.js';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [10_000, 100_000] : [10_000, 1_000_000];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/**
 * Runs `fn`, sampling heapUsed every 5 ms; returns CPU seconds of this process (user + system:
 * the machine is shared, so wall time swings with the neighbours) and the peak heap growth in
 * MiB over the start.
 */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; peakMiB: number }> {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const cpu0 = process.cpuUsage();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return { value, seconds, peakMiB: (peak - base) / 2 ** 20 };
}

const row = (name: string, m: { seconds: number; peakMiB: number }) =>
  console.log(`  ${name.padEnd(46)} ${m.seconds.toFixed(2).padStart(7)} s CPU   peak heap +${m.peakMiB.toFixed(1).padStart(6)} MiB`);

const root = mkdtempSync(join(tmpdir(), 'sunder-bench-merkle-'));
try {
  const results: Record<number, Record<string, { seconds: number; peakMiB: number }>> = {};
  for (const n of SIZES) {
    const dir = join(root, String(n));
    const key = (await createAuditKey(join(dir, 'keys'))).key;
    const log = await AuditLog.open(join(dir, 'audit'), key);
    const build = await measure(async () => {
      for (let done = 0; done < n; ) {
        const batch = Math.min(10_000, n - done);
        await log.appendBatch(Array.from({ length: batch }, (_, i) => ({
          actor: { role: 'ingest' as const }, action: 'ingest-run' as const, target: { runs: [`run-${done + i}`] }, outcome: 'ok' as const, counts: { records: done + i },
        })));
        done += batch;
      }
    });
    console.log(`\n${n.toLocaleString('en')} entries (${(statSync(log.file).size / 2 ** 20).toFixed(0)} MiB log)`);
    row('append (batches of 10,000)', build);
    const early = await log.receipt(1, { size: Math.floor(n / 3) });
    const r: Record<string, { seconds: number; peakMiB: number }> = {};
    r.verify = await measure(() => log.verify());
    row('verify: chain + tree, one pass', r.verify);
    r.checkpoint = await measure(() => log.checkpoint());
    row('checkpoint', r.checkpoint);
    const mid = Math.ceil(n / 2);
    const receipt = await measure(() => log.receipt(mid));
    r.receipt = receipt;
    row('receipt of the middle entry (2 passes)', receipt);
    const cp = openCheckpoint(receipt.value.checkpoint, key);
    assert.ok(verifyInclusion(leafHash(Buffer.from(canonicalJson(receipt.value.entry))), mid - 1, n, receipt.value.inclusionProof.map((h) => Buffer.from(h, 'base64')), cp.root));
    const against = await measure(() => log.verify({ against: early.checkpoint }));
    assert.equal(against.value.ok, true);
    r.against = against;
    row(`verify --against the checkpoint of ${Math.floor(n / 3)} (2 passes)`, against);
    // The alternative: every leaf hash in memory (32 bytes + a Buffer's overhead each).
    const inMemory = await measure(async () => {
      const leaves: Buffer[] = [];
      for await (const line of rawLines(log.file, statSync(log.file).size)) leaves.push(leafHash(line));
      const proof = await inclusionProof(leaves, mid - 1);
      assert.ok(verifyInclusion(leaves[mid - 1]!, mid - 1, n, proof, rootOf(leaves)));
      assert.ok(rootOf(leaves).equals(cp.root));
      return leaves.length;
    });
    r.inMemory = inMemory;
    row('alternative: all leaf hashes in an array, prove', inMemory);
    results[n] = r;
  }
  const [small, large] = SIZES as [number, number];
  const a = results[small]!;
  const b = results[large]!;
  console.log(`\n${large.toLocaleString('en')} vs ${small.toLocaleString('en')} entries (${large / small}x):`);
  for (const k of ['verify', 'receipt', 'against']) {
    console.log(`  ${k.padEnd(10)} time x${(b[k]!.seconds / a[k]!.seconds).toFixed(1)}, peak heap ${a[k]!.peakMiB.toFixed(1)} -> ${b[k]!.peakMiB.toFixed(1)} MiB`);
  }
  console.log(`  streaming receipt vs in-memory at ${large.toLocaleString('en')}: time x${(b.receipt!.seconds / b.inMemory!.seconds).toFixed(2)}, ` +
    `peak heap ${b.receipt!.peakMiB.toFixed(1)} vs ${b.inMemory!.peakMiB.toFixed(1)} MiB`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
