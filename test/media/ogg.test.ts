import { describe, expect, it } from 'vitest';
import { planOgg, verifyOggOutput } from '../../src/media/formats/ogg-plan.js';
import { coalesce, VirtualSource } from '../../src/media/source.js';
import { bufferSource, codeOf, materialise, u32le } from './bytes.js';

// Hand-built Ogg streams (no ffmpeg needed). The CRC here is a bit-by-bit implementation of
// RFC 3533's, independent of the rewriter's table-driven one.
function crc(page: Buffer): number {
  let r = 0;
  for (const byte of page) {
    r ^= byte << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    r >>>= 0;
  }
  return r >>> 0;
}
function page(serial: number, seq: number, flags: number, granule: bigint, packets: Buffer[], continuesLast = false): Buffer {
  const lacing: number[] = [];
  packets.forEach((p, i) => {
    let n = p.length;
    while (n >= 255) {
      lacing.push(255);
      n -= 255;
    }
    if (!(continuesLast && i === packets.length - 1)) lacing.push(n);
  });
  const h = Buffer.alloc(27);
  h.write('OggS', 0, 'latin1');
  h[5] = flags;
  h.writeBigInt64LE(granule, 6);
  h.writeUInt32LE(serial, 14);
  h.writeUInt32LE(seq, 18);
  h[26] = lacing.length;
  const p = Buffer.concat([h, Buffer.from(lacing), ...packets]);
  p.writeUInt32LE(crc(p), 22);
  return p;
}
const crcOk = (p: Buffer): boolean => {
  const copy = Buffer.from(p);
  copy.writeUInt32LE(0, 22);
  return crc(copy) === p.readUInt32LE(22);
};
const comment = (sig: string, vendor: string, fields: string[], framing: boolean): Buffer =>
  Buffer.concat([
    Buffer.from(sig, 'latin1'),
    u32le(vendor.length),
    Buffer.from(vendor),
    u32le(fields.length),
    ...fields.flatMap((f) => [u32le(Buffer.byteLength(f)), Buffer.from(f)]),
    framing ? Buffer.from([1]) : Buffer.alloc(0),
  ]);
const opusHead = Buffer.concat([Buffer.from('OpusHead'), Buffer.from([1, 2]), Buffer.from([0x38, 0x01]), u32le(48000), Buffer.from([0, 0, 0])]);
const audio = (n: number): Buffer => Buffer.alloc(n, 0x5c);

/** An Opus stream: head, tags (lower- and upper-case fields, a picture) over `tagPages` pages, audio. */
function opus(serial = 7): { file: Buffer; pages: Buffer[] } {
  const tags = comment('OpusTags', 'SNDRMARK vendor', ['artist=SNDRMARK_lower', 'TITLE=SNDRMARK_UPPER', `METADATA_BLOCK_PICTURE=${'QUFB'.repeat(20_000)}`], false);
  const first = tags.subarray(0, 255 * 255);
  const rest = tags.subarray(255 * 255);
  const pages = [
    page(serial, 0, 0x02, 0n, [opusHead]),
    page(serial, 1, 0, -1n, [first], true),
    page(serial, 2, 0x01, 0n, [rest]),
    page(serial, 3, 0, 960n + 312n, [audio(120), audio(80)]),
    page(serial, 4, 0x04, 48000n + 312n, [audio(90)]),
  ];
  return { file: Buffer.concat(pages), pages };
}

async function strip(file: Buffer): Promise<Buffer> {
  const src = bufferSource(file);
  const plan = await planOgg(src);
  const segs = coalesce(plan.segments);
  await verifyOggOutput(new VirtualSource(segs, src));
  return materialise(segs, file);
}

describe('Ogg native rewriter', () => {
  it('empties OpusTags over every page it spans, keeps page layout, audio pages byte for byte, valid CRCs', async () => {
    const { file, pages } = opus();
    const out = await strip(file);
    expect(out.length).toBe(file.length);
    expect(out.includes('SNDRMARK')).toBe(false);
    expect(out.includes('QUFB')).toBe(false);
    let at = 0;
    for (const [i, p] of pages.entries()) {
      const o = out.subarray(at, at + p.length);
      expect(crcOk(o), `page ${i} CRC`).toBe(true);
      expect(o.subarray(0, 22).equals(p.subarray(0, 22)), `page ${i} header`).toBe(true);
      if (i === 0 || i >= 3) expect(o.equals(p), `page ${i} untouched`).toBe(true);
      at += p.length;
    }
    // the new comment header: signature, empty vendor, no comment, zero padding
    const body = out.subarray(pages[0]!.length + 27 + 255);
    expect(body.subarray(0, 16).equals(Buffer.concat([Buffer.from('OpusTags'), Buffer.alloc(8)]))).toBe(true);
  });

  it('reports the duration from the last granule, less the pre-skip', async () => {
    const plan = await planOgg(bufferSource(opus().file));
    expect(plan.info).toEqual({ kind: 'audio', durationMs: 1000 });
  });

  it('empties a Vorbis comment that shares its page with the setup header, keeping the framing bit', async () => {
    const id = Buffer.concat([Buffer.from('\x01vorbis', 'latin1'), u32le(0), Buffer.from([1]), u32le(44100), Buffer.alloc(12), Buffer.from([0xb8, 1])]);
    const cmt = comment('\x03vorbis', 'Xiph.Org libVorbis SNDRMARK', ['title=SNDRMARK_lower_title'], true);
    const setup = Buffer.concat([Buffer.from('\x05vorbis', 'latin1'), Buffer.alloc(40, 0x21)]);
    const p0 = page(3, 0, 0x02, 0n, [id]);
    const p1 = page(3, 1, 0, 0n, [cmt, setup]);
    const p2 = page(3, 2, 0x04, 44100n, [audio(300)]);
    const out = await strip(Buffer.concat([p0, p1, p2]));
    expect(out.includes('SNDRMARK')).toBe(false);
    const o1 = out.subarray(p0.length, p0.length + p1.length);
    expect(crcOk(o1)).toBe(true);
    const body = o1.subarray(27 + 2);
    expect(body.subarray(0, 16).equals(Buffer.concat([Buffer.from('\x03vorbis', 'latin1'), Buffer.alloc(8), Buffer.from([1])]))).toBe(true);
    expect(body.subarray(cmt.length).equals(setup)).toBe(true);
    expect(out.subarray(p0.length + p1.length).equals(p2)).toBe(true);
  });

  it('strips every link of a chained file', async () => {
    const out = await strip(Buffer.concat([opus(1).file, opus(2).file]));
    expect(out.includes('SNDRMARK')).toBe(false);
  });

  it('the verifier fails on the unstripped input', async () => {
    expect(await codeOf(verifyOggOutput(bufferSource(opus().file)))).toBe('MEDIA_VERIFY_FAILED');
  });

  it('refuses other codecs, a bad header CRC, truncation and trailing bytes with their codes', async () => {
    const theora = page(5, 0, 0x02, 0n, [Buffer.from('\x80theora-----------------------', 'latin1')]);
    expect(await codeOf(planOgg(bufferSource(theora)))).toBe('MEDIA_UNSUPPORTED');
    const { file, pages } = opus();
    const badCrc = Buffer.from(file);
    const flip = pages[0]!.length + 40;
    badCrc[flip] = badCrc[flip]! ^ 1;
    expect(await codeOf(planOgg(bufferSource(badCrc)))).toBe('MEDIA_MALFORMED');
    expect(await codeOf(planOgg(bufferSource(file.subarray(0, file.length - 5))))).toBe('MEDIA_TRUNCATED');
    expect(await codeOf(planOgg(bufferSource(Buffer.concat(pages.slice(0, 2)))))).toBe('MEDIA_TRUNCATED');
    expect(await codeOf(planOgg(bufferSource(Buffer.concat([file, Buffer.from('TAG+SNDRMARK trailing')]))))).toBe('MEDIA_MALFORMED');
  });
  it('FLAC in Ogg: the comment block empties, a picture block becomes padding, audio pages stay', async () => {
    const info = Buffer.alloc(34);
    info.writeUIntBE((44100 << 4) | (0 << 1) | 0, 10, 3); // sample rate 44100, mono, bits set below
    const head = (count: number): Buffer => Buffer.concat([Buffer.from('\x7fFLAC', 'latin1'), Buffer.from([1, 0]), Buffer.from([0, count]), Buffer.from('fLaC'), Buffer.from([0, 0, 0, 34]), info]);
    const block = (type: number, last: boolean, body: Buffer): Buffer => Buffer.concat([Buffer.from([(last ? 0x80 : 0) | type]), Buffer.from([(body.length >> 16) & 255, (body.length >> 8) & 255, body.length & 255]), body]);
    const vc = block(4, false, Buffer.concat([u32le(8), Buffer.from('SNDRMARK'), u32le(1), u32le(18), Buffer.from('artist=SNDRMARK_FL')]));
    const pic = block(6, true, Buffer.concat([Buffer.alloc(32), Buffer.from('SNDRMARK_PICTURE_BYTES')]));
    const p0 = page(9, 0, 0x02, 0n, [head(2)]);
    const p1 = page(9, 1, 0, 0n, [vc, pic]);
    const p2 = page(9, 2, 0x04, 44100n, [Buffer.from([0xff, 0xf8, 0x69, 0x08]), audio(200)]);
    const file = Buffer.concat([p0, p1, p2]);
    expect(await codeOf(verifyOggOutput(bufferSource(file)))).toBe('MEDIA_VERIFY_FAILED');
    const out = await strip(file);
    expect(out.includes('SNDRMARK')).toBe(false);
    const o1 = out.subarray(p0.length, p0.length + p1.length);
    expect(crcOk(o1)).toBe(true);
    const body = o1.subarray(27 + 2);
    expect(body[0]).toBe(4); // still a VORBIS_COMMENT, now empty
    expect(body.subarray(4, vc.length).every((b) => b === 0)).toBe(true);
    expect(body[vc.length]).toBe(0x81); // the picture is now the last block, PADDING
    expect(body.subarray(vc.length + 4).every((b) => b === 0)).toBe(true);
    expect(out.subarray(0, p0.length).equals(p0)).toBe(true);
    expect(out.subarray(p0.length + p1.length).equals(p2)).toBe(true);
    expect((await planOgg(bufferSource(file))).info.durationMs).toBe(1000);
    expect(await codeOf(planOgg(bufferSource(Buffer.concat([page(9, 0, 0x02, 0n, [head(0)]), p1, p2]))))).toBe('MEDIA_UNSUPPORTED');
  });
});
