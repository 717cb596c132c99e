import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Feeds `input` through `transform` in pieces of the given sizes (cycled), collecting the output. */
export async function runThrough(transform: Transform, input: Uint8Array, pieceSizes: readonly number[] = [input.length || 1]): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let at = 0;
  let k = 0;
  while (at < input.length) {
    const n = Math.max(1, pieceSizes[k++ % pieceSizes.length]!);
    pieces.push(Buffer.from(input.subarray(at, at + n)));
    at += n;
  }
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), transform, async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
}

/** The SunderError code a promise rejects with, or 'ok'. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? `untyped: ${String(err)}`;
  }
}
