/** Streaming equals whole-text scanning, whatever the chunk boundaries (hold-back window). */
import { Readable } from 'node:stream';
import { text as collect } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { generateCorpus, rng } from '../../fixtures/detect/index.js';
import { createScanner, type Finding } from '../../src/detect/index.js';
import { applyOperators } from '../../src/mask/index.js';

const scanner = createScanner();
const whole = generateCorpus({ seed: 7, bytes: 120_000 }).map((m) => m.text).join('\n');

function chunks(s: string, seed: number, max: number): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    const n = 1 + Math.floor(r() * max);
    out.push(s.slice(i, i + n));
    i += n;
  }
  return out;
}

async function streamed(parts: string[] | Buffer[], holdBack?: number): Promise<{ out: string; found: Finding[] }> {
  const found: Finding[] = [];
  const s = scanner.createStream({ onFinding: (f: Finding) => found.push(f), documentDate: undefined, holdBack } as never);
  const out = collect(Readable.from(parts).pipe(s));
  return { out: await out, found };
}

describe('createStream', () => {
  const expected = scanner.scan(whole);
  const expectedText = applyOperators(whole, expected);

  it.each([
    [1, 7],
    [2, 300],
    [3, 5000],
    [4, 70_000],
  ])('seed %i, chunks up to %i characters: same findings and output', async (seed, max) => {
    const { out, found } = await streamed(chunks(whole, seed, max));
    expect(found).toEqual(expected);
    expect(out).toBe(expectedText);
  });

  it('splits UTF-8 bytes inside a character and inside an ID number', async () => {
    const text = '身份证１１０１０５１９４９１２３１００２Ｘ，手机 138 0013 8000。'.repeat(400);
    const buf = Buffer.from(text);
    const parts: Buffer[] = [];
    for (let i = 0; i < buf.length; i += 7) parts.push(buf.subarray(i, i + 7));
    const { out, found } = await streamed(parts, 64);
    expect(found).toEqual(scanner.scan(text));
    expect(out).toBe(applyOperators(text, scanner.scan(text)));
    expect(out).not.toMatch(/[0-9０-９]{4}/);
  });
});
