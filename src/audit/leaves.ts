/**
 * The log's entries as raw lines, read in chunks up to a byte size fixed beforehand (the
 * snapshot a verify or proof took under the lock), so the Merkle leaves are the exact bytes on
 * disk and an append running meanwhile is not seen.
 */
import { createReadStream } from 'node:fs';

/** Each complete line (without its newline) of `file` up to byte `size`; a torn tail is left out. */
export async function* rawLines(file: string, size: number): AsyncGenerator<Buffer> {
  if (size <= 0) return;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { start: 0, end: size - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let from = 0;
    for (let nl = data.indexOf(0x0a, from); nl >= 0; nl = data.indexOf(0x0a, from)) {
      yield data.subarray(from, nl);
      from = nl + 1;
    }
    carry = Buffer.from(data.subarray(from));
  }
}
