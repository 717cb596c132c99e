/** Hand-built PNGs for limit tests. */
import { deflateSync } from 'node:zlib';
import { pngChunk as chunk } from '../../src/media/formats/png.js';


/** A structurally valid PNG declaring `w` x `h` 8-bit grey pixels over a tiny IDAT (a bomb when large). */
export function pngDeclaring(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(4096))), chunk('IEND', Buffer.alloc(0))]);
}
