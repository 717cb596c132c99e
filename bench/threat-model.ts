/**
 * What the blind-index key is worth to an attacker: the HMAC-SHA256 rate on this machine, one
 * core, for blind-index inputs (`phone\0<11 digits>`), and the sweep times it implies
 * (docs/THREAT-MODEL.md quotes these). Two ways an attacker in Node would compute it:
 *   createHmac per candidate (what Sunder itself does), and
 *   precomputed inner/outer pad states, cloned per candidate (Hash#copy), the usual speed-up.
 * A native or GPU cracker is faster still; these are lower bounds on the attacker's speed.
 *
 *   node --import tsx bench/threat-model.ts
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

const key = randomBytes(32);
const MS = 2_000;

function rate(name: string, one: (i: number) => void): number {
  for (let i = 0; i < 20_000; i++) one(i); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(MS) * 1_000_000n;
  const cpu0 = process.cpuUsage();
  while (process.hrtime.bigint() < until) {
    for (let i = 0; i < 10_000; i++) one(n + i);
    n += 10_000;
  }
  const cpu = process.cpuUsage(cpu0);
  const perCpuSecond = n / ((cpu.user + cpu.system) / 1e6);
  console.log(`${name.padEnd(44)} ${Math.round(perCpuSecond).toLocaleString('en-US').padStart(12)} HMAC/s per CPU-second`);
  return perCpuSecond;
}

const plain = rate('createHmac per candidate', (i) => {
  createHmac('sha256', key).update(`phone\0${13800000000 + i}`).digest();
});

const block = Buffer.alloc(64);
key.copy(block);
const ipad = createHash('sha256').update(Buffer.from(block.map((b) => b ^ 0x36)));
const opad = createHash('sha256').update(Buffer.from(block.map((b) => b ^ 0x5c)));
const check = (msg: string) => opad.copy().update(ipad.copy().update(msg).digest()).digest();
if (!check('phone\x0013800138000').equals(createHmac('sha256', key).update('phone\x0013800138000').digest())) throw new Error('pad-state HMAC differs');
const padded = rate('precomputed pad states (Hash#copy)', (i) => {
  check(`phone\0${13800000000 + i}`);
});

const best = Math.max(plain, padded);
const fmt = (s: number) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : s < 172_800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(1)} days`);
const spaces: [string, number][] = [
  ['one phone from its v1 display form (10^4 candidates)', 1e4],
  ['one resident ID from its v1 display form (~3.3x10^6)', 36_525 * 1000 / 11],
  ['every mobile number, 1[3-9] + 9 digits (7x10^9)', 7e9],
  ['every resident ID (~3,500 regions x 36,525 days x 1,000 / valid check) (1.3x10^11)', 3500 * 36_525 * 1000],
];
console.log(`\nwith the blind-index key, one core at ${Math.round(best).toLocaleString('en-US')} HMAC/s:`);
for (const [name, n] of spaces) console.log(`  ${name.padEnd(84)} ${fmt(n / best)}`);
