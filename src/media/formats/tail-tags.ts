import { syncsafe } from '../sniff.js';
import type { ByteSource } from '../source.js';

// Tags that taggers append to MP3 (and sometimes FLAC) files, found from the end backwards:
// ID3v1 (128 bytes "TAG") with its optional 227-byte "TAG+" extension, APEv2 (32-byte "APETAGEX"
// footer, optional header), Lyrics3 v2 ("LYRICS200" with a 6-digit size) and v1 ("LYRICSEND"
// after "LYRICSBEGIN"), and an appended ID3v2.4 tag with its "3DI" footer.
export async function stripTailTags(src: ByteSource, from: number, to: number): Promise<number> {
  let end = to;
  const text = async (at: number, n: number): Promise<string> => (at >= from && at + n <= end ? (await src.read(at, n)).toString('latin1') : '');
  for (let guard = 0; guard < 16; guard++) {
    if ((await text(end - 128, 3)) === 'TAG') {
      end -= 128;
      if ((await text(end - 227, 4)) === 'TAG+') end -= 227;
      continue;
    }
    if ((await text(end - 32, 8)) === 'APETAGEX') {
      const f = await src.read(end - 32, 32);
      const size = f.readUInt32LE(12);
      const hasHeader = (f.readUInt32LE(20) & 0x80000000) !== 0;
      const total = size + (hasHeader ? 32 : 0);
      if (total < 32 || end - total < from) break;
      end -= total;
      continue;
    }
    if ((await text(end - 9, 9)) === 'LYRICS200') {
      const n = Number(await text(end - 15, 6));
      if (!Number.isInteger(n) || end - 15 - n < from) break;
      end -= 15 + n;
      continue;
    }
    if ((await text(end - 9, 9)) === 'LYRICSEND') {
      const span = Math.min(5100 + 11, end - 9 - from);
      const area = (await src.read(end - 9 - span, span)).toString('latin1');
      const at = area.lastIndexOf('LYRICSBEGIN');
      if (at < 0) break;
      end = end - 9 - span + at;
      continue;
    }
    if ((await text(end - 10, 3)) === '3DI') {
      const f = await src.read(end - 10, 10);
      const body = syncsafe(f, 6);
      if (body < 0) break;
      const total = 20 + body;
      if (end - total < from) break;
      end -= total;
      continue;
    }
    break;
  }
  return end;
}
