/**
 * Every media parser in src/media/formats (each exported `plan*` and `verify*`, found by name,
 * so a new format is fuzzed without a line here), plus the sniffer and the EXIF reader, on
 * arbitrary bytes and on mutated real files: each resolves or rejects with a MEDIA_* SunderError,
 * never another error, never a hang.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTiffOrientation } from '../../src/media/exif.js';
import { truncated } from '../../src/media/fail.js';
import { sniffVerdict } from '../../src/media/sniff.js';
import type { ByteSource } from '../../src/media/source.js';
import { FUZZ_TIMEOUT, fuzzParams, isExpected } from './params.js';

const MEDIA_CODES = ['MEDIA_UNKNOWN_FORMAT', 'MEDIA_MALFORMED', 'MEDIA_TRUNCATED', 'MEDIA_UNSUPPORTED', 'MEDIA_VERIFY_FAILED', 'MEDIA_TOO_MANY_PIXELS', 'MEDIA_TOO_LARGE'] as const;

/** Bytes in memory, with FileSource's contract: exactly `len` bytes, or MEDIA_TRUNCATED. */
class BufferSource implements ByteSource {
  constructor(private readonly buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  async read(pos: number, len: number): Promise<Buffer> {
    if (!(pos >= 0 && len >= 0 && pos + len <= this.buf.length)) throw truncated('file', 'a structure runs past the end of the file');
    return this.buf.subarray(pos, pos + len);
  }
}

type Parser = { name: string; run: (src: ByteSource) => Promise<unknown> };
const FORMATS = join(import.meta.dirname, '../../src/media/formats');
const PARSERS: Parser[] = [];
for (const file of readdirSync(FORMATS).filter((f) => f.endsWith('.ts')).sort()) {
  const mod = (await import(join(FORMATS, file))) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(mod)) {
    if (/^(plan|verify)[A-Z]/.test(name) && typeof fn === 'function') PARSERS.push({ name: `${file}:${name}`, run: fn as Parser['run'] });
  }
}

// Small real files, one per extension, as mutation seeds (the committed sample collection).
const SAMPLE = join(import.meta.dirname, '../../fixtures/sample/media');
const SEEDS: Buffer[] = [];
{
  const byExt = new Map<string, Buffer>();
  for (const f of readdirSync(SAMPLE)) {
    const b = readFileSync(join(SAMPLE, f));
    const ext = extname(f).toLowerCase();
    if (b.length > 100 && b.length < 80_000 && (!byExt.has(ext) || byExt.get(ext)!.length > b.length)) byExt.set(ext, b);
  }
  SEEDS.push(...byExt.values());
}

/** Runs a parser with a deadline: a hang fails the property rather than the whole file. */
async function settles(p: Parser, buf: Buffer): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), 5_000)));
  try {
    const r = await Promise.race([p.run(new BufferSource(buf)).then(() => 'ok' as const, (err: unknown) => err), deadline]);
    if (r === 'hang') throw new Error(`${p.name} did not settle within 5 s`);
    if (r !== 'ok' && !isExpected(r, MEDIA_CODES)) throw new Error(`${p.name} threw a non-media error: ${String(r)}`, { cause: r });
  } finally {
    clearTimeout(timer);
  }
}

/** A seed with a few byte edits: set, insert, delete, truncate, or a 32-bit length field set to an extreme. */
const mutated = fc
  .tuple(fc.nat({ max: Math.max(0, SEEDS.length - 1) }), fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'insert', 'delete', 'truncate', 'len'), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
  .map(([s, edits]) => {
    let buf = Buffer.from(SEEDS[s]!);
    for (const [pos, op, byte] of edits) {
      const at = buf.length === 0 ? 0 : pos % buf.length;
      if (op === 'set') buf[at] = byte;
      else if (op === 'insert') buf = Buffer.concat([buf.subarray(0, at), Buffer.from([byte]), buf.subarray(at)]);
      else if (op === 'delete') buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1)]);
      else if (op === 'truncate') buf = buf.subarray(0, at);
      else if (at + 4 <= buf.length) buf.writeUInt32BE(byte & 1 ? 0xffffffff : 0x7ffffff0, at);
    }
    return buf;
  });

describe('media parser fuzz', () => {
  it('finds the parsers and the seeds', () => {
    expect(PARSERS.map((p) => p.name)).toEqual(expect.arrayContaining(['png.ts:planPng', 'jpeg.ts:planJpeg', 'wav.ts:planWav', 'mp3.ts:planMp3']));
    expect(SEEDS.length).toBeGreaterThanOrEqual(5);
  });

  it('every parser on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (a) => {
        const buf = Buffer.from(a);
        for (const p of PARSERS) await settles(p, buf);
        sniffVerdict(buf);
        readTiffOrientation(buf);
      }),
      fuzzParams(300),
    );
  }, FUZZ_TIMEOUT);

  it('every parser on mutated real files', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, async (buf) => {
        for (const p of PARSERS) await settles(p, buf);
        sniffVerdict(buf);
      }),
      fuzzParams(300),
    );
  }, FUZZ_TIMEOUT);
});
