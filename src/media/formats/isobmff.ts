import { verifyFailed } from '../fail.js';
import type { ByteSource } from '../source.js';

// What ffmpeg's mov/mp4/ipod muxers write for plain audio and video tracks, and nothing more. Any
// other box (udta items, filled ilst, loci, ©xyz, XMP_, uuid, tref to a data track, gmhd of a GPS track) fails.
const CHILDREN: Record<string, Set<string>> = {
  '': new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide']),
  moov: new Set(['mvhd', 'trak', 'iods', 'mvex', 'udta']),
  // The mp4 muxer always writes udta/meta with an 'mdir' handler and an ilst; it must stay empty.
  udta: new Set(['meta']),
  meta: new Set(['hdlr', 'ilst']),
  trak: new Set(['tkhd', 'edts', 'mdia', 'tapt']),
  edts: new Set(['elst']),
  tapt: new Set(['clef', 'prof', 'enof']),
  mdia: new Set(['mdhd', 'hdlr', 'minf']),
  minf: new Set(['vmhd', 'smhd', 'hdlr', 'dinf', 'stbl']),
  dinf: new Set(['dref']),
  stbl: new Set(['stsd', 'stts', 'stss', 'ctts', 'stsc', 'stsz', 'stz2', 'stco', 'co64', 'sgpd', 'sbgp', 'sdtp', 'cslg', 'stps']),
  mvex: new Set(['mehd', 'trex']),
};
// Handler names the muxers write themselves; the input's own names never pass through.
const HANDLER_NAMES = new Set(['', 'VideoHandler', 'SoundHandler', 'DataHandler', 'Core Media Video', 'Core Media Audio', 'Core Media Data Handler']);
const TIMED = new Set(['mvhd', 'tkhd', 'mdhd']);

export async function verifyBmff(out: ByteSource): Promise<void> {
  let sawMoov = false;
  const walk = async (from: number, to: number, parent: string): Promise<void> => {
    let pos = from;
    while (pos < to) {
      if (pos + 8 > to) throw verifyFailed('mp4', 'a box header past its parent');
      const h = await out.read(pos, 16 <= to - pos ? 16 : 8);
      let size = h.readUInt32BE(0);
      const type = h.subarray(4, 8).toString('latin1');
      let hdr = 8;
      if (size === 1) {
        if (h.length < 16) throw verifyFailed('mp4', 'a truncated large box');
        size = Number(h.readBigUInt64BE(8));
        hdr = 16;
      } else if (size === 0) size = to - pos;
      if (size < hdr || pos + size > to) throw verifyFailed('mp4', 'a box size that does not fit');
      const allowed = CHILDREN[parent];
      if (!allowed?.has(type)) throw verifyFailed('mp4', 'a box outside the whitelist');
      if (type === 'moov') sawMoov = true;
      if (type === 'hdlr') await checkHandler(pos + hdr, pos + size);
      if (TIMED.has(type)) await checkTimes(pos + hdr);
      if (type === 'ilst' && size !== hdr) throw verifyFailed('mp4', 'metadata items');
      if (CHILDREN[type] !== undefined) await walk(pos + hdr + (type === 'meta' ? 4 : 0), pos + size, type);
      pos += size;
    }
  };
  const checkHandler = async (from: number, to: number): Promise<void> => {
    // fullbox(4) pre_defined(4) handler_type(4) reserved(12) name
    if (to - from < 24) throw verifyFailed('mp4', 'a short hdlr');
    const raw = Buffer.from(await out.read(from + 24, to - from - 24));
    // ISO writes a C string, QuickTime a Pascal string.
    const cstr = raw.toString('latin1').replace(/\0+$/, '');
    const plen = raw[0] ?? 0;
    const pascal = raw.length > 0 && 1 + plen <= raw.length && raw.subarray(1 + plen).every((b) => b === 0) ? raw.subarray(1, 1 + plen).toString('latin1') : undefined;
    const name = HANDLER_NAMES.has(cstr) ? cstr : (pascal ?? cstr);
    if (!HANDLER_NAMES.has(name)) throw verifyFailed('mp4', 'a handler name that the muxer did not write');
  };
  const checkTimes = async (from: number): Promise<void> => {
    const v = (await out.read(from, 1))[0];
    const times = v === 1 ? await out.read(from + 4, 16) : await out.read(from + 4, 8);
    if (!times.every((b) => b === 0)) throw verifyFailed('mp4', 'a creation or modification time');
  };
  await walk(0, out.size, '');
  if (!sawMoov) throw verifyFailed('mp4', 'no moov box');
}
