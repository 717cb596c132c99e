import { verifyFailed } from '../fail.js';
import type { ByteSource } from '../source.js';

/**
 * Checks the comment header of every logical stream: after stripping it must hold no user comment
 * (tags, METADATA_BLOCK_PICTURE cover art). The vendor string names the muxing library only.
 */
export async function verifyOgg(out: ByteSource): Promise<void> {
  let pos = 0;
  const packets = new Map<number, Buffer[]>(); // serial -> partial packet pieces
  const seen = new Map<number, number>(); // serial -> completed packet count
  let checked = 0;
  while (pos < out.size) {
    const h = await out.read(pos, 27);
    if (h.subarray(0, 4).toString('latin1') !== 'OggS') throw verifyFailed('ogg', 'bytes that are not an Ogg page');
    const serial = h.readUInt32LE(14);
    const nseg = h[26]!;
    const lace = Buffer.from(await out.read(pos + 27, nseg));
    let at = pos + 27 + nseg;
    for (const l of lace) {
      const count = seen.get(serial) ?? 0;
      if (count < 2) {
        const pieces = packets.get(serial) ?? [];
        pieces.push(Buffer.from(await out.read(at, l)));
        packets.set(serial, pieces);
        if (l < 255) {
          if (count === 1) {
            checkComments(Buffer.concat(pieces));
            checked++;
          }
          packets.set(serial, []);
          seen.set(serial, count + 1);
        }
      }
      at += l;
    }
    pos = at;
  }
  if (checked === 0) throw verifyFailed('ogg', 'no comment header');
}

function checkComments(p: Buffer): void {
  let off: number;
  if (p.subarray(0, 8).toString('latin1') === 'OpusTags') off = 8;
  else if (p.subarray(0, 7).toString('latin1') === '\x03vorbis') off = 7;
  else throw verifyFailed('ogg', 'a second packet that is not a comment header');
  const vendorLen = p.readUInt32LE(off);
  const vendor = p.subarray(off + 4, off + 4 + vendorLen).toString('latin1');
  if (!/^(Lavf[\d.]*|ffmpeg)$/.test(vendor)) throw verifyFailed('ogg', 'a vendor string the muxer did not write');
  if (p.readUInt32LE(off + 4 + vendorLen) !== 0) throw verifyFailed('ogg', 'user comments');
}
