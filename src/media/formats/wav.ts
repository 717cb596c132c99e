import { malformed, truncated, verifyFailed, verifying } from '../fail.js';
import { segmentsLength, type ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';
import { keptChunk, walkRiff } from './riff.js';

// Only what a decoder needs: fmt, fact, data, and ds64 for RF64/BW64. Dropped: LIST/INFO, bext
// (originator, origination date and time, coding history), iXML, axml, ID3 chunks, cue, JUNK, PAD
// and anything else. BW64 ADM channel descriptions (chna/axml) go too: they are free XML.
const KEEP = new Set(['fmt ', 'fact', 'data']);

export async function planWav(src: ByteSource): Promise<Plan> {
  const h = await src.read(0, 12);
  const form = h.subarray(0, 4).toString('latin1');
  const wide = form === 'RF64' || form === 'BW64';
  let riffEnd: number;
  let ds64: Buffer | undefined;
  let dataSize64 = 0;
  let bodyStart = 12;
  if (wide) {
    const d = await src.read(12, 8);
    if (d.subarray(0, 4).toString('latin1') !== 'ds64') throw malformed('wav', 'RF64 without ds64 first');
    const dsSize = d.readUInt32LE(4);
    if (dsSize < 28) throw malformed('wav', 'ds64 too short');
    ds64 = Buffer.from(await src.read(20, 28));
    dataSize64 = Number(ds64.readBigUInt64LE(8));
    riffEnd = Math.min(8 + Number(ds64.readBigUInt64LE(0)), src.size);
    bodyStart = 20 + dsSize + (dsSize & 1);
  } else {
    const declared = 8 + h.readUInt32LE(4);
    // Writers that never patched the RIFF size (streamed recordings) leave 0 or too much here;
    // the chunk walk below still bounds everything by the file itself.
    riffEnd = declared > src.size || declared < 12 ? src.size : declared;
  }
  const keep: Segment[] = [];
  let fmt: Buffer | undefined;
  let dataBytes = 0;
  let sawData = false;
  const sizeOf = wide ? (id: string, s: number): number => (id === 'data' && s === 0xffffffff ? dataSize64 : s) : undefined;
  for await (const c of walkRiff(src, bodyStart, riffEnd, 'wav', sizeOf)) {
    if (!KEEP.has(c.id)) continue;
    if (c.id === 'fmt ') {
      if (c.size < 16) throw malformed('wav', 'fmt chunk too short');
      fmt = Buffer.from(await src.read(c.start + 8, 16));
    }
    if (c.id === 'data') {
      if (!fmt) throw malformed('wav', 'data before fmt');
      sawData = true;
      dataBytes = c.size;
    }
    // RF64/BW64 data: the 8-byte header keeps its 0xFFFFFFFF placeholder; the real size lives in ds64.
    for (const seg of keptChunk(c)) keep.push(seg);
  }
  if (!fmt) throw malformed('wav', 'no fmt chunk');
  if (!sawData) throw truncated('wav', 'no data chunk');
  const bodyLen = 4 + segmentsLength(keep);
  let head: Buffer;
  if (wide && ds64) {
    // ds64 rewritten with the new RIFF size and an empty table: the chunks it could list are gone.
    const ds = Buffer.alloc(8 + 28);
    ds.write('ds64', 0, 'latin1');
    ds.writeUInt32LE(28, 4);
    ds64.copy(ds, 8, 0, 28);
    ds.writeBigUInt64LE(BigInt(bodyLen + ds.length), 8);
    ds.writeUInt32LE(0, 8 + 24);
    head = Buffer.alloc(12);
    head.write(form, 0, 'latin1');
    head.writeUInt32LE(0xffffffff, 4);
    head.write('WAVE', 8, 'latin1');
    head = Buffer.concat([head, ds]);
  } else {
    head = Buffer.alloc(12);
    head.write('RIFF', 0, 'latin1');
    head.writeUInt32LE(bodyLen, 4);
    head.write('WAVE', 8, 'latin1');
  }
  const byteRate = fmt.readUInt32LE(8);
  return {
    segments: [head, ...keep],
    info: { kind: 'audio', ...(byteRate > 0 ? { durationMs: Math.round((dataBytes / byteRate) * 1000) } : {}) },
  };
}

export async function verifyWav(out: ByteSource): Promise<void> {
  await verifying('wav', async () => {
    const h = await out.read(0, 12);
    const form = h.subarray(0, 4).toString('latin1');
    const wide = form === 'RF64' || form === 'BW64';
    let from = 12;
    let sizeOf: ((id: string, s: number) => number) | undefined;
    if (wide) {
      const ds = await out.read(12, 36);
      if (ds.subarray(0, 4).toString('latin1') !== 'ds64' || ds.readUInt32LE(4) !== 28) throw verifyFailed('wav', 'a bad ds64');
      if (Number(ds.readBigUInt64LE(8)) + 8 !== out.size) throw verifyFailed('wav', 'a ds64 RIFF size that does not match');
      if (ds.readUInt32LE(32) !== 0) throw verifyFailed('wav', 'a ds64 table');
      const dataSize = Number(ds.readBigUInt64LE(16));
      sizeOf = (id, s) => (id === 'data' && s === 0xffffffff ? dataSize : s);
      from = 48;
    } else if (form !== 'RIFF' || 8 + h.readUInt32LE(4) !== out.size) throw verifyFailed('wav', 'a RIFF size that does not match');
    if (h.subarray(8, 12).toString('latin1') !== 'WAVE') throw verifyFailed('wav', 'a bad form type');
    for await (const c of walkRiff(out, from, out.size, 'wav output', sizeOf)) {
      if (!KEEP.has(c.id)) throw verifyFailed('wav', 'a chunk outside the whitelist');
    }
  });
}
