/**
 * Known-value matcher bench: `KnownMatcher.matchInto` as the ingest pipeline calls it (one
 * subject's 8 compiled values, ~1.2 KB mixed Chinese/English records from the seeded corpus,
 * a third of them carrying the subject's values in other spellings: spaced, full width, upper
 * case, pinyin). Races the engine's matcher (compiled `dist/` when fresh, as bench/detect.ts)
 * against the previous design kept in ./known-view.ts (fold the text into a view string, one
 * `indexOf` per form), checks both find exactly the same spans, and prints µs per record.
 *
 * Run: npm run build && node --import tsx bench/detect/known.ts [RECORDS=20000] [ROUNDS=5] [--src]
 */
import { generateCorpus, rng } from '../../fixtures/detect/index.js';
import type { Candidate } from '../../src/detect/candidates.js';
import type { KnownValue } from '../../src/detect/types.js';
import { loadEngine } from './engine.js';
import { compileKnownView } from './known-view.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const RECORDS = Number(args[0] ?? 20_000);
const ROUNDS = Number(args[1] ?? 5);
const engine = await loadEngine(process.argv.includes('--src'));

const values: KnownValue[] = [
  { kind: 'NAME', value: '王小明' },
  { kind: 'CN_ID', value: '11010519491231002X' },
  { kind: 'PHONE', value: '+86 139 1234 5678' },
  { kind: 'EMAIL', value: 'wang.xm@example.com' },
  { kind: 'NAME', value: '李秀英' },
  { kind: 'CN_ID', value: '440305198001010034' },
  { kind: 'PHONE', value: '13800138000' },
  { kind: 'EMAIL', value: 'guardian@example.cn' },
];
/** The subject's values as they turn up in free text. */
const spellings = [
  '王小明', '王 小 明', 'Wang Xiaoming', 'XIAOMING WANG', 'wangxiaoming', '李秀英', 'Li Xiuying',
  '110105 19491231 002x', '110105491231002', '４４０３０５１９８００１０１００３４', '440305-19800101-0034',
  '+86 139-1234-5678', '(139) 1234 5678', '138.0013.8000', '１３８００１３８０００',
  'WANG.XM@EXAMPLE.COM', 'ｗａｎｇ．ｘｍ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'guardian@example.cn',
];

const r = rng(7);
const msgs = generateCorpus({ seed: 20240315, bytes: RECORDS * 1400 });
const texts: string[] = [];
let acc = '';
for (const m of msgs) {
  acc += m.text;
  if (r() < 0.1) acc += spellings[Math.floor(r() * spellings.length)]! + '，';
  if (acc.length >= 600) {
    // ~600 UTF-16 units of mixed text is ~1.2 KB of UTF-8. Flattened through JSON, as ingest
    // records arrive parsed (a concatenated string would time V8's cons-string indirection).
    texts.push(JSON.parse(JSON.stringify(acc)) as string);
    acc = '';
    if (texts.length === RECORDS) break;
  }
}
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

const scanner = engine.createScanner();
const contenders = [
  { name: `engine matcher (${engine.compiled ? 'compiled' : 'sources under tsx'})`, m: scanner.compileKnown(values) },
  { name: 'previous: view string + indexOf per form', m: compileKnownView(values) },
];

const key = (c: Candidate): string => `${c.start}:${c.end}:${c.kind}:${c.score}`;
const sets = contenders.map(({ m }) =>
  texts.map((t) => {
    const out: Candidate[] = [];
    m.matchInto(t, out);
    return out.map(key).sort().join(' ');
  }),
);
let hits = 0;
for (let i = 0; i < texts.length; i++) {
  if (sets[0]![i] !== sets[1]![i]) throw new Error(`record ${i}: matchers disagree`);
  if (sets[0]![i] !== '') hits += sets[0]![i]!.split(' ').length;
}
if (hits < texts.length / 20) throw new Error(`only ${hits} known-value matches planted; the bench would not exercise the matcher`);

const out: Candidate[] = [];
let sink = 0;
const best = contenders.map(() => Infinity);
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < contenders.length; k++) {
    const m = contenders[k]!.m;
    const t0 = process.hrtime.bigint();
    for (const t of texts) {
      out.length = 0;
      m.matchInto(t, out);
      sink += out.length;
    }
    best[k] = Math.min(best[k]!, Number(process.hrtime.bigint() - t0) / 1e3);
  }
}
if (sink === 0) throw new Error('no matches');

console.log(`${texts.length} records, ${(bytes / texts.length).toFixed(0)} bytes each on average, ${values.length} known values, ${hits} matches (same spans from both)`);
for (let k = 0; k < contenders.length; k++) {
  const us = best[k]! / texts.length;
  console.log(`${contenders[k]!.name.padEnd(44)} ${us.toFixed(2).padStart(7)} µs/record ${(bytes / best[k]!).toFixed(0).padStart(6)} MB/s ${(best[1]! / best[k]!).toFixed(2).padStart(6)}x previous`);
}
