import { describe, expect, it } from 'vitest';
import { planBmff } from '../../src/media/formats/isobmff-plan.js';
import { verifyBmffOutput } from '../../src/media/formats/isobmff-verify.js';
import { coalesce, VirtualSource } from '../../src/media/source.js';
import { bufferSource, codeOf, materialise, u32 } from './bytes.js';

// Hand-built fragmented files, one base-offset rule of ISO 14496-12 8.8.7 per test; no ffmpeg.
const box = (type: string, ...body: Buffer[]): Buffer => {
  const b = Buffer.concat(body);
  return Buffer.concat([u32(8 + b.length), Buffer.from(type, 'latin1'), b]);
};
const full = (type: string, vf: number, ...body: Buffer[]): Buffer => box(type, u32(vf), ...body);
const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

function trak(id: number, handler: string, codec: string): Buffer {
  const tkhd = full('tkhd', 3, u32(0), u32(0), u32(id), u32(0), u32(0), Buffer.alloc(60), u32(0), u32(0));
  const stbl = box('stbl', full('stsd', 0, u32(1), box(codec, Buffer.alloc(28))), full('stts', 0, u32(0)), full('stsc', 0, u32(0)), full('stsz', 0, u32(0), u32(0)), full('stco', 0, u32(0)));
  const minf = box('minf', handler === 'soun' ? full('smhd', 0, u32(0)) : full('nmhd', 0), box('dinf', full('dref', 0, u32(1), full('url ', 1))), stbl);
  const hdlr = full('hdlr', 0, u32(0), Buffer.from(handler, 'latin1'), Buffer.alloc(12), Buffer.from('\0'));
  return box('trak', tkhd, box('mdia', full('mdhd', 0, u32(0), u32(0), u32(1000), u32(0), u32(0)), hdlr, minf));
}
const trex = (id: number, size: number): Buffer => full('trex', 0, u32(id), u32(1), u32(0), u32(size), u32(0));
function moov(): Buffer {
  return box('moov', full('mvhd', 0, u32(0), u32(0), u32(1000), u32(0), Buffer.alloc(80)), trak(1, 'soun', 'mp4a'), trak(2, 'meta', 'gpmd'), box('mvex', trex(1, 0), trex(2, 20)));
}
const ftyp = box('ftyp', Buffer.from('iso5'), u32(0), Buffer.from('iso5'));

/** tfhd with optional base-data-offset (0x1), default-base-is-moof (0x20000), default sample size (0x10). */
function tfhd(id: number, o: { base?: number; moofBase?: boolean; size?: number } = {}): Buffer {
  const flags = (o.base !== undefined ? 0x1 : 0) | (o.size !== undefined ? 0x10 : 0) | (o.moofBase ? 0x20000 : 0);
  return full('tfhd', flags, u32(id), ...(o.base !== undefined ? [u64(o.base)] : []), ...(o.size !== undefined ? [u32(o.size)] : []));
}
/** trun with per-sample sizes (0x200) and an optional data offset (0x1). */
function trun(sizes: number[] | number, offset?: number): Buffer {
  const perSample = Array.isArray(sizes);
  const flags = (offset !== undefined ? 0x1 : 0) | (perSample ? 0x200 : 0);
  const count = perSample ? sizes.length : sizes;
  return full('trun', flags, u32(count), ...(offset !== undefined ? [u32(offset)] : []), ...(perSample ? sizes.map(u32) : []));
}

const AUDIO = Buffer.alloc(30, 0xaa);
const GPS = Buffer.concat([Buffer.from('SNDRMARK_GPS 39.9'), Buffer.alloc(3, 0x47)]); // 20 bytes

async function strip(file: Buffer): Promise<Buffer> {
  const src = bufferSource(file);
  const segs = coalesce((await planBmff(src, 'mp4')).segments);
  await verifyBmffOutput(new VirtualSource(segs, src), 'mp4');
  return materialise(segs, file);
}
function expectStripped(file: Buffer, out: Buffer): void {
  expect(out.length).toBe(file.length);
  expect(file.includes('SNDRMARK_GPS')).toBe(true);
  expect(out.includes('SNDRMARK')).toBe(false);
  expect(out.includes(AUDIO)).toBe(true);
  expect(out.indexOf(AUDIO)).toBe(file.indexOf(AUDIO));
}

/** moof + mdat where the traf boxes come from `trafs(moofSize)`, given the moof's own size. */
function fragment(head: Buffer, trafs: (moofAt: number, mdatBody: number) => Buffer[], payload: Buffer): Buffer {
  const probe = box('moof', full('mfhd', 0, u32(1)), ...trafs(0, 0));
  const moofAt = head.length;
  const mdatBody = moofAt + probe.length + 8;
  const moof = box('moof', full('mfhd', 0, u32(1)), ...trafs(moofAt, mdatBody));
  return Buffer.concat([head, moof, box('mdat', payload)]);
}

describe('fragmented MP4, hand-built', () => {
  it('explicit base-data-offset: the GPS traf goes, its bytes become zeros', async () => {
    const file = fragment(Buffer.concat([ftyp, moov()]), (_m, body) => [
      box('traf', tfhd(1, { base: body }), trun([30], 0)),
      box('traf', tfhd(2, { base: body + 30 }), trun([20], 0)),
    ], Buffer.concat([AUDIO, GPS]));
    expectStripped(file, await strip(file));
  });
  it('default-base-is-moof with data offsets, GPS first', async () => {
    const file = fragment(Buffer.concat([ftyp, moov()]), (m, body) => [
      box('traf', tfhd(2, { moofBase: true }), trun([20], body - m)),
      box('traf', tfhd(1, { moofBase: true }), trun([30], body - m + 20)),
    ], Buffer.concat([GPS, AUDIO]));
    expectStripped(file, await strip(file));
  });
  it('implicit base: the second traf starts where the first one\'s data ended; the trex default size counts', async () => {
    const file = fragment(Buffer.concat([ftyp, moov()]), (m, body) => [
      box('traf', tfhd(1), trun([10], body - m), trun([20])), // second run: no offset, follows the first
      box('traf', tfhd(2), trun(1, 0)), // one sample of the trex default size (20), right after
    ], Buffer.concat([AUDIO, GPS]));
    expectStripped(file, await strip(file));
  });
  it('refuses a kept traf whose implicit base follows a dropped one', async () => {
    const file = fragment(Buffer.concat([ftyp, moov()]), (m, body) => [
      box('traf', tfhd(2, { size: 20 }), trun(1, body - m)),
      box('traf', tfhd(1), trun([30], 0)),
    ], Buffer.concat([GPS, AUDIO]));
    expect(await codeOf(planBmff(bufferSource(file), 'mp4'))).toBe('MEDIA_UNSUPPORTED');
  });
  it('refuses encrypted fragments and drops emsg and prft', async () => {
    const enc = fragment(Buffer.concat([ftyp, moov()]), (_m, body) => [box('traf', tfhd(1, { base: body }), trun([30], 0), full('senc', 0, u32(0)))], AUDIO);
    expect(await codeOf(planBmff(bufferSource(enc), 'mp4'))).toBe('MEDIA_UNSUPPORTED');
    const prft = full('prft', 0, u32(1), u64(0xe1234567), u32(0));
    const emsg = full('emsg', 0, Buffer.from('urn:SNDRMARK_EVENT\0'));
    const file = fragment(Buffer.concat([ftyp, moov(), prft, emsg]), (_m, body) => [box('traf', tfhd(1, { base: body }), trun([30], 0))], AUDIO);
    const out = await strip(file);
    expect(out.includes('prft') || out.includes('emsg') || out.includes('SNDRMARK')).toBe(false);
  });
  it('the verifier fails on a dropped track\'s traf left in place', async () => {
    const file = fragment(Buffer.concat([ftyp, moov()]), (_m, body) => [box('traf', tfhd(1, { base: body }), trun([30], 0))], AUDIO);
    expect(await codeOf(verifyBmffOutput(bufferSource(file), 'mp4'))).toBe('MEDIA_VERIFY_FAILED'); // trex of track 2 is still there
  });
});
