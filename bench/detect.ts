/**
 * Detection bench: Sunder's one-pass engine against redact-pii, @redactpii/node and a plain
 * combined-regex baseline, on the same seeded >= 20 MB labelled corpus in the same process. For
 * context (no target) it also races the baseline's design written to cover Sunder's kinds.
 * Sunder runs as production does, compiled (`dist/detect/index.js`, when `dist/` is at least as
 * new as the sources; otherwise the sources under tsx, and the output says so).
 *
 * Every tool gets the same treatment: one untimed pass over its messages whose outputs are kept
 * and checked (it also warms the tool up), then ROUNDS timed passes interleaved across tools (so
 * a noisy neighbour on the shared machine hits them all alike) in which each output is consumed
 * and dropped; each tool's best pass is its MB/s (UTF-8 bytes of input). It prints each tool's
 * ratio to Sunder, leaks (planted values still verbatim in the output) and masked distractors
 * (look-alikes no longer intact). Also measures `scan(text, { known })` calls/s on ~1 KiB texts,
 * as the ingest pipeline calls it.
 * Exits non-zero when Sunder leaks, or misses the speed targets (>= 2x baseline, >= 8x redact-pii).
 *
 * Run: npm run build && node --import tsx bench/detect.ts [MB=20] [ROUNDS=3] [--src]
 */
import { readFileSync } from 'node:fs';
import { SyncRedactor } from 'redact-pii';
import { Redactor } from '@redactpii/node';
import { writeCorpus, type CorpusMessage } from '../fixtures/detect/index.js';
import { baselineRedact } from './detect/baseline.js';
import { fullBaselineRedact } from './detect/baseline-full.js';
import { loadEngine } from './detect/engine.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const MB = Number(args[0] ?? 20);
const ROUNDS = Number(args[1] ?? 3);
const engine = await loadEngine(process.argv.includes('--src'));
const path = writeCorpus({ seed: 20240315, megabytes: MB });
const msgs: CorpusMessage[] = readFileSync(path, 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as CorpusMessage);
const bytes = msgs.reduce((n, m) => n + Buffer.byteLength(m.text), 0);
const planted = msgs.reduce((n, m) => n + m.pii.length, 0);
const distractors = msgs.reduce((n, m) => n + m.distractors.length, 0);
console.log(`corpus: ${msgs.length} messages, ${(bytes / 1e6).toFixed(1)} MB, ${planted} planted identifiers, ${distractors} distractors (${path})`);
console.log(`sunder engine: ${engine.label}`);
console.log(`each tool: 1 checked warm-up pass, then best of ${ROUNDS} timed passes, interleaved`);

const scanner = engine.createScanner();
const applyOperators = engine.applyOperators;
const tag = { default: 'tag' } as const;
interface Tool {
  name: string;
  run: (t: string) => string;
  /** Every `sample`-th message only (for the slow tools, so the run stays short). */
  sample?: number;
}
const tools: Tool[] = [
  { name: 'sunder', run: (t) => applyOperators(t, scanner.scan(t), tag) },
  { name: 'baseline (combined regex + MOD 11-2/Luhn)', run: baselineRedact },
  { name: '@redactpii/node', run: ((r) => (t: string) => r.redact(t))(new Redactor()) },
  { name: 'redact-pii', run: ((r) => (t: string) => r.redact(t))(new SyncRedactor()), sample: 4 },
  // Context, not a target: the baseline's design written to cover Sunder's kinds (baseline-full.ts).
  { name: 'context: combined regex for all kinds', run: fullBaselineRedact },
];

interface Row {
  name: string;
  mbps: number;
  leaks: number;
  leakRate: number;
  masked: number;
  maskedRate: number;
}

const subsets = tools.map((tool) => msgs.filter((_, i) => i % (tool.sample ?? 1) === 0));
const texts = subsets.map((s) => s.map((m) => m.text));
const subsetBytes = texts.map((ts) => ts.reduce((n, t) => n + Buffer.byteLength(t), 0));
const outs: string[][] = texts.map((ts) => new Array<string>(ts.length));

/** Untimed: keeps every output for the leak and distractor counts (and warms the tool up). */
function checkedPass(k: number): void {
  const run = tools[k]!.run;
  const ts = texts[k]!;
  const out = outs[k]!;
  for (let i = 0; i < ts.length; i++) out[i] = run(ts[i]!);
}

let sink = 0;
/**
 * Timed: each output is consumed (its length read) and dropped, as a pipeline writes and drops
 * it. Keeping 115k outputs alive would time the garbage collector's old generation instead.
 */
function timedPass(k: number): number {
  const run = tools[k]!.run;
  const ts = texts[k]!;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ts.length; i++) sink += run(ts[i]!).length;
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

for (let k = 0; k < tools.length; k++) checkedPass(k); // warm-up and the outputs checked below
const best = tools.map(() => Infinity);
for (let r = 0; r < ROUNDS; r++) for (let k = 0; k < tools.length; k++) best[k] = Math.min(best[k]!, timedPass(k));
if (sink === 0) throw new Error('no output'); // keeps the timed outputs observable

const rows: Row[] = tools.map((tool, k) => {
  let leaks = 0;
  let masked = 0;
  let p = 0;
  let d = 0;
  const subset = subsets[k]!;
  for (let i = 0; i < subset.length; i++) {
    const m = subset[i]!;
    const o = outs[k]![i]!;
    for (const x of m.pii) {
      p++;
      if (o.includes(x.value)) leaks++;
    }
    for (const x of m.distractors) {
      d++;
      if (!o.includes(x.value)) masked++;
    }
  }
  const step = tool.sample ?? 1;
  return { name: tool.name + (step > 1 ? ` (1/${step} of messages)` : ''), mbps: subsetBytes[k]! / 1e6 / best[k]!, leaks, leakRate: leaks / p, masked, maskedRate: masked / d };
});

const sunder = rows[0]!;
console.log('\ntool                                              MB/s   vs sunder   leaks (share)        masked distractors (share)');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(48)} ${r.mbps.toFixed(1).padStart(7)} ${(r.mbps / sunder.mbps).toFixed(3).padStart(10)}x   ${String(r.leaks).padStart(6)} (${(100 * r.leakRate).toFixed(2)}%)   ${String(r.masked).padStart(8)} (${(100 * r.maskedRate).toFixed(2)}%)`,
  );
}

// The ingest pipeline's call: ~1 KiB texts with a subject's compiled values.
const known = scanner.compileKnown([
  { kind: 'NAME', value: '王小明' },
  { kind: 'NAME', value: '李秀英' },
  { kind: 'CN_ID', value: '11010519491231002X' },
  { kind: 'PHONE', value: '+86 139 1234 5678' },
  { kind: 'PHONE', value: '13800138000' },
  { kind: 'EMAIL', value: 'wang.xm@example.com' },
  { kind: 'EMAIL', value: 'guardian@example.cn' },
  { kind: 'NAME', value: 'Li Xiuying' },
]);
const kib: string[] = [];
let acc = '';
for (const m of msgs) {
  acc += m.text;
  if (acc.length >= 700) {
    kib.push(acc);
    acc = '';
    if (kib.length === 20_000) break;
  }
}
for (let i = 0; i < 2000; i++) scanner.scan(kib[i]!, { known });
const t1 = process.hrtime.bigint();
let found = 0;
for (const t of kib) found += scanner.scan(t, { known }).length;
const callSecs = Number(process.hrtime.bigint() - t1) / 1e9;
const avgBytes = kib.reduce((n, t) => n + Buffer.byteLength(t), 0) / kib.length;
console.log(`\nscan(text, { known: 8 values }) on ${kib.length} texts of ~${Math.round(avgBytes)} bytes: ${Math.round(kib.length / callSecs)} calls/s (${found} findings)`);

const baseline = rows[1]!;
const redactPii = rows[3]!;
const failures: string[] = [];
if (sunder.leaks !== 0) failures.push(`sunder leaked ${sunder.leaks} planted values`);
if (sunder.maskedRate > 0.005) failures.push('sunder masked more than 0.5% of distractors');
if (sunder.mbps < 2 * baseline.mbps) failures.push(`sunder is ${(sunder.mbps / baseline.mbps).toFixed(2)}x the baseline, target >= 2x`);
if (sunder.mbps < 8 * redactPii.mbps) failures.push(`sunder is ${(sunder.mbps / redactPii.mbps).toFixed(1)}x redact-pii, target >= 8x`);
const fullRegex = rows[4]!;
console.log(`\nsunder / baseline = ${(sunder.mbps / baseline.mbps).toFixed(2)}x, sunder / redact-pii = ${(sunder.mbps / redactPii.mbps).toFixed(1)}x (${engine.compiled ? 'compiled engine' : 'engine from sources under tsx'})`);
console.log(`context: sunder / a combined regex covering the same kinds = ${(sunder.mbps / fullRegex.mbps).toFixed(2)}x (that regex leaks ${(100 * fullRegex.leakRate).toFixed(1)}%)`);
if (failures.length > 0) {
  console.error('FAILED: ' + failures.join('; '));
  process.exitCode = 1;
} else console.log('OK: no leaks, speed targets met');
