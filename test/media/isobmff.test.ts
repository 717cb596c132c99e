import { describe, expect, it } from 'vitest';
import { planBmff } from '../../src/media/formats/isobmff-plan.js';
import { sniffFormat } from '../../src/media/index.js';
import { verifyBmffOutput } from '../../src/media/formats/isobmff-verify.js';
import { coalesce, VirtualSource } from '../../src/media/source.js';
import { bufferSource, codeOf, materialise, u16, u32 } from './bytes.js';

// Hand-built ISO-BMFF files: each test pins one rule of the native rewriter, and none needs ffmpeg.
const box = (type: string, ...body: Buffer[]): Buffer => {
  const b = Buffer.concat(body);
  return Buffer.concat([u32(8 + b.length), Buffer.from(type, 'latin1'), b]);
};
const full = (type: string, flags: number, ...body: Buffer[]): Buffer => box(type, u32(flags), ...body);
const TIME = u32(0x5a5a5a5a); // a capture time that must not survive

function mvhd(): Buffer {
  return full('mvhd', 0, TIME, TIME, u32(1000), u32(2000), Buffer.alloc(80));
}
function tkhd(enabled = true): Buffer {
  // times, track id, reserved, duration, reserved(8), layer/alt/volume/reserved, matrix, width, height
  const matrix = Buffer.concat([u32(0x10000), u32(0), u32(0), u32(0), u32(0x10000), u32(0), u32(0), u32(0), u32(0x40000000)]);
  return full('tkhd', enabled ? 3 : 0, TIME, TIME, u32(1), u32(0), u32(2000), Buffer.alloc(16), matrix, u32(0), u32(0));
}
function track(handler: string, codec: string, sizes: number[], offsets: number[], opts: { fixedSize?: number; perChunk?: number; entry?: Buffer; dref?: number; extra?: Buffer[] } = {}): Buffer {
  const entry = opts.entry ?? box(codec, Buffer.alloc(28));
  const stsz = opts.fixedSize !== undefined ? full('stsz', 0, u32(opts.fixedSize), u32(sizes[0]!)) : full('stsz', 0, u32(0), u32(sizes.length), ...sizes.map(u32));
  const perChunk = opts.perChunk ?? (opts.fixedSize !== undefined ? sizes[0]! : 1);
  const stbl = box('stbl', full('stsd', 0, u32(1), entry), full('stts', 0, u32(0)), full('stsc', 0, u32(1), u32(1), u32(perChunk), u32(1)), stsz, full('stco', 0, u32(offsets.length), ...offsets.map(u32)));
  const dref = full('dref', 0, u32(1), full('url ', opts.dref ?? 1));
  const minf = box('minf', handler === 'soun' ? full('smhd', 0, u32(0)) : full('nmhd', 0), box('dinf', dref), stbl);
  const hdlr = full('hdlr', 0, u32(0), Buffer.from(handler, 'latin1'), Buffer.alloc(12), Buffer.from('SNDRMARK_HANDLER\0'));
  return box('trak', tkhd(), box('mdia', full('mdhd', 0, TIME, TIME, u32(1000), u32(2000), u32(0)), hdlr, minf), ...(opts.extra ?? []));
}

interface Built {
  file: Buffer;
  audio: [number, number][];
  gps: [number, number];
  leftover: [number, number];
}
/** ftyp, mdat (two audio samples, a GPS sample between them, a leftover), moov with udta, a uuid box. */
function build(opts: { moovExtra?: Buffer[]; top?: Buffer[]; gpsOffset?: number; dref?: number } = {}): Built {
  const ftyp = box('ftyp', Buffer.from('isom'), u32(0), Buffer.from('isom'));
  const a1 = Buffer.alloc(100, 0xaa);
  const gps = Buffer.concat([Buffer.from('SNDRMARK_GPS5 39.9042 116.4074 '), Buffer.alloc(19, 0x47)]);
  const a2 = Buffer.alloc(100, 0xab);
  const leftover = Buffer.from('SNDRMARK_LEFTOVER_FROM_AN_EDIT');
  const mdat = box('mdat', a1, gps, a2, leftover);
  const base = ftyp.length + 8;
  const audio: [number, number][] = [[base, base + 100], [base + 150, base + 250]];
  const g: [number, number] = [base + 100, base + 150];
  const udta = box('udta', box('\xa9xyz', u16(18), u16(0), Buffer.from('+39.9042+116.4074/')), box('meta', u32(0), box('ilst', box('\xa9nam', Buffer.from('SNDRMARK_TITLE')))));
  const moov = box(
    'moov',
    mvhd(),
    track('soun', 'mp4a', [100, 100], audio.map((r) => r[0]), { dref: opts.dref, extra: [box('udta', box('name', Buffer.from('SNDRMARK_TRACKNAME')))] }),
    track('meta', 'gpmd', [50], [opts.gpsOffset ?? g[0]]),
    udta,
    ...(opts.moovExtra ?? []),
  );
  const uuid = box('uuid', Buffer.alloc(16, 0xbe), Buffer.from('<x:xmpmeta>SNDRMARK_XMP</x:xmpmeta>'));
  const file = Buffer.concat([ftyp, mdat, moov, uuid, ...(opts.top ?? [])]);
  return { file, audio, gps: g, leftover: [base + 250, base + 250 + leftover.length] };
}

async function strip(file: Buffer): Promise<Buffer> {
  const src = bufferSource(file);
  const plan = await planBmff(src, 'mp4');
  const segs = coalesce(plan.segments);
  await verifyBmffOutput(new VirtualSource(segs, src), 'mp4');
  return materialise(segs, file);
}
const zero = (b: Buffer): boolean => b.every((x) => x === 0);

describe('ISO-BMFF native rewriter', () => {
  it('keeps the audio samples byte for byte, zeroes the GPS track and leftovers, and keeps every offset', async () => {
    const { file, audio, gps, leftover } = build();
    const out = await strip(file);
    expect(out.length).toBe(file.length);
    for (const [s, e] of audio) expect(out.subarray(s, e).equals(file.subarray(s, e))).toBe(true);
    expect(zero(out.subarray(...gps))).toBe(true);
    expect(zero(out.subarray(...leftover))).toBe(true);
    expect(out.includes('SNDRMARK')).toBe(false);
    expect(out.includes('+39.9042')).toBe(false);
    expect(out.includes(TIME)).toBe(false);
    expect(out.includes('uuid')).toBe(false);
    expect(out.includes('udta')).toBe(false);
    expect(out.includes('gpmd')).toBe(false);
    // the audio track's tables are untouched, so the same offsets still point at the same samples
    expect(out.includes(Buffer.concat([u32(100), u32(100)]))).toBe(true);
  });

  it('reports duration and kind', async () => {
    const plan = await planBmff(bufferSource(build().file), 'mp4');
    expect(plan.info).toEqual({ kind: 'audio', durationMs: 2000 });
  });

  it('the verifier fails on the unstripped input and on one stray byte in mdat', async () => {
    const { file, leftover } = build();
    expect(await codeOf(verifyBmffOutput(bufferSource(file), 'mp4'))).toBe('MEDIA_VERIFY_FAILED');
    const out = await strip(file);
    out[leftover[0] + 3] = 1;
    expect(await codeOf(verifyBmffOutput(bufferSource(out), 'mp4'))).toBe('MEDIA_VERIFY_FAILED');
  });

  it('refuses a moof without mvex, external data references and samples outside mdat', async () => {
    // Fragments are rewritten (fragmented.test.ts); one without the moov's track defaults is not a fragmented file.
    expect(await codeOf(planBmff(bufferSource(build({ top: [box('moof', Buffer.alloc(8))] }).file), 'mp4'))).toBe('MEDIA_MALFORMED');
    expect(await codeOf(planBmff(bufferSource(build({ dref: 0 }).file), 'mp4'))).toBe('MEDIA_UNSUPPORTED');
  });

  it('a dropped track may point anywhere; a kept one must point into mdat', async () => {
    // GPS samples claimed at offset 0 (inside ftyp): nothing to zero there, nothing kept from it.
    const out = await strip(build({ gpsOffset: 0 }).file);
    expect(out.subarray(0, 4).equals(u32(20))).toBe(true);
    const { file } = build();
    const bad = Buffer.from(file);
    // point the first audio chunk into the uuid box at the end
    const at = bad.indexOf(Buffer.concat([u32(2), u32(file.indexOf(Buffer.alloc(100, 0xaa)))]));
    bad.writeUInt32BE(file.length - 20, at + 4);
    expect(await codeOf(planBmff(bufferSource(bad), 'mp4'))).toBe('MEDIA_UNSUPPORTED');
  });

  it('rejects a file without moov as truncated, and a box past the end likewise', async () => {
    const ftyp = box('ftyp', Buffer.from('isom'), u32(0), Buffer.from('isom'));
    expect(await codeOf(planBmff(bufferSource(Buffer.concat([ftyp, box('mdat', Buffer.alloc(64))])), 'mp4'))).toBe('MEDIA_TRUNCATED');
    const { file } = build();
    expect(await codeOf(planBmff(bufferSource(file.subarray(0, file.length - 10)), 'mp4'))).toBe('MEDIA_TRUNCATED');
  });

  it('rejects sample tables that disagree as malformed', async () => {
    const { file } = build();
    const bad = Buffer.from(file);
    // stsc: 1 chunk run of 1 sample per chunk -> claim 5 samples per chunk, more than stsz has
    const stsc = Buffer.concat([Buffer.from('stsc'), u32(0), u32(1), u32(1), u32(1), u32(1)]);
    const at = bad.indexOf(stsc);
    bad.writeUInt32BE(5, at + 4 + 4 + 4 + 4);
    expect(await codeOf(planBmff(bufferSource(bad), 'mp4'))).toBe('MEDIA_MALFORMED');
  });

  it('drops a disabled one-frame JPEG video track as cover art', async () => {
    const { file } = build();
    expect(file.includes('jpeg')).toBe(false);
    const cover = track('vide', 'jpeg', [50], [file.indexOf(Buffer.from('SNDRMARK_GPS5'))]);
    const withCover = Buffer.from(build({ moovExtra: [cover] }).file);
    const out = await strip(withCover);
    expect(out.includes('jpeg')).toBe(false);
  });

  it('sizes old QuickTime PCM chunks (sample size 1) from the sound description', async () => {
    const ftyp = box('ftyp', Buffer.from('qt  '), u32(0), Buffer.from('qt  '));
    const pcm = Buffer.alloc(200, 0x33); // 50 stereo 16-bit frames
    const mdat = box('mdat', pcm, Buffer.from('SNDRMARK_AFTER'));
    // sound description v0: reserved(6) dref(2) version(2) revision(2) vendor(4) channels(2) bits(2) compression(2) packet(2) rate(4)
    const entry = box('twos', Buffer.alloc(6), u16(1), u16(0), u16(0), u32(0), u16(2), u16(16), u16(0), u16(0), u32(44100 * 65536));
    const moov = box('moov', mvhd(), track('soun', 'twos', [50], [ftyp.length + 8], { fixedSize: 1, entry }));
    const file = Buffer.concat([ftyp, mdat, moov]);
    const out = await strip(file);
    expect(out.subarray(ftyp.length + 8, ftyp.length + 208).equals(pcm)).toBe(true);
    expect(out.includes('SNDRMARK')).toBe(false);
  });
  it('handles a track with hundreds of thousands of chunks (an hour of video)', async () => {
    const n = 300_000;
    const ftyp = box('ftyp', Buffer.from('isom'), u32(0), Buffer.from('isom'));
    const base = ftyp.length + 8;
    const mdat = box('mdat', Buffer.alloc(n * 4, 0x11));
    const entry = box('avc1', Buffer.alloc(78));
    const stco = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) stco.writeUInt32BE(base + i * 4, i * 4);
    const t = track('vide', 'avc1', [n], [], { fixedSize: 4, perChunk: 1, entry });
    // swap in the long chunk offset table
    const at = t.indexOf(Buffer.from('stco'));
    const big = Buffer.concat([u32(16 + stco.length), Buffer.from('stco'), u32(0), u32(n), stco]);
    const trak = Buffer.concat([t.subarray(0, at - 4), big, t.subarray(at + 12)]);
    const fix = (b: Buffer, grow: number, types: string[]): void => {
      for (const ty of types) {
        const i = b.indexOf(Buffer.from(ty)) - 4;
        b.writeUInt32BE(b.readUInt32BE(i) + grow, i);
      }
    };
    fix(trak, big.length - 16, ['trak', 'mdia', 'minf', 'stbl']);
    const file = Buffer.concat([ftyp, mdat, box('moov', mvhd(), trak)]);
    const out = await strip(file);
    expect(out.subarray(base, base + n * 4).equals(file.subarray(base, base + n * 4))).toBe(true);
  });
  it('sniffs a camera maker\'s own major brand by its compatible brands', () => {
    const ftyp = (major: string, ...compat: string[]): Buffer => Buffer.concat([box('ftyp', Buffer.from(major, 'latin1'), u32(0), ...compat.map((c) => Buffer.from(c, 'latin1'))), box('free')]);
    expect(sniffFormat(ftyp('CAEP', 'CAEP', 'mp42'))).toBe('mp4');
    expect(sniffFormat(ftyp('abcd', 'qt  '))).toBe('mov');
    expect(sniffFormat(ftyp('abcd', 'M4A ', 'mp42'))).toBe('m4a');
    expect(sniffFormat(ftyp('abcd', 'abcd'))).toBeUndefined();
    expect(sniffFormat(ftyp('heic', 'mif1', 'isom'))).toBe('heic');
    expect(sniffFormat(ftyp('abcd', 'avif', 'isom'))).toBe('avif');
    expect(sniffFormat(ftyp('mif1', 'mif1', 'avif'))).toBe('avif');
    expect(sniffFormat(ftyp('msf1', 'msf1', 'heic'))).toBeUndefined(); // an image sequence: refused
  });
});
