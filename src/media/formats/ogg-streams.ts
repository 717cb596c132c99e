import { malformed, truncated, unsupported } from '../fail.js';
import type { ByteSource } from '../source.js';
import { BOS, CONTINUED, type Page } from './ogg-page.js';

type Codec = 'opus' | 'vorbis' | 'flac';
const SIGNATURE: Record<'opus' | 'vorbis', string> = { opus: 'OpusTags', vorbis: '\x03vorbis' };
// FLAC metadata block types, as FLAC-in-Ogg carries one per header packet.
const PADDING = 1;
const SEEKTABLE = 3;
const VORBIS_COMMENT = 4;

/**
 * The comment header we write: the signature, an empty vendor string and no comment (plus the
 * framing bit for Vorbis). It is padded with zeros to the original packet's length, which both
 * specifications allow after the comment list, so every page keeps its lacing and the stream its
 * page count: no later page is renumbered or re-checksummed.
 */
export function emptyComment(codec: 'opus' | 'vorbis'): Buffer {
  const sig = Buffer.from(SIGNATURE[codec], 'latin1');
  return Buffer.concat([sig, Buffer.alloc(8), codec === 'vorbis' ? Buffer.from([1]) : Buffer.alloc(0)]);
}

/**
 * What a header packet becomes, decided from its first bytes: `null` keeps it (identification,
 * Vorbis setup, FLAC seek table); a buffer replaces it, zero-padded to the same length. FLAC's
 * VORBIS_COMMENT keeps its block header and becomes empty (vendor length 0, no comment); its
 * PICTURE, APPLICATION, CUESHEET and unknown blocks become PADDING of the same size.
 */
export function replacementFor(codec: Codec, packetIndex: number, head: Buffer, fmt: string): Buffer | null {
  if (codec !== 'flac') {
    if (packetIndex !== 1) return null;
    const tmpl = emptyComment(codec);
    if (head.length < tmpl.length || head.toString('latin1', 0, SIGNATURE[codec].length) !== SIGNATURE[codec]) throw malformed(fmt, 'a second header packet that is not a comment header');
    return tmpl;
  }
  if (head.length < 4) throw malformed(fmt, 'a FLAC header packet shorter than a block header');
  const type = head[0]! & 0x7f;
  if (type === 0 || type === 127) throw malformed(fmt, 'a FLAC metadata block of an invalid type');
  if (type === SEEKTABLE) return null;
  const h = Buffer.from(head.subarray(0, 4));
  if (type !== VORBIS_COMMENT && type !== PADDING) h[0] = (h[0]! & 0x80) | PADDING;
  return h;
}

/** A piece of a header packet on one page: `at` is its file offset, `packetOffset` where it sits in the packet. */
export interface HeaderPiece {
  stream: Stream;
  packetIndex: number;
  at: number;
  len: number;
  packetOffset: number;
}

export interface Stream {
  codec: Codec;
  headers: number;
  packets: number;
  offset: number;
  rate: number;
  preSkip: number;
  lastGranule: bigint;
  /** What the header packet being read becomes (set at its first byte by the caller). */
  replacement: Buffer | null;
}

/** Follows every logical stream (multiplexed or chained) through its header packets. */
export class OggStreams {
  private readonly streams = new Map<number, Stream>();
  private first: Stream | undefined;

  constructor(private readonly fmt: string) {}

  /** The pieces of header packets after the first on this page (none once its stream is past its headers). */
  async onPage(src: ByteSource, p: Page): Promise<HeaderPiece[]> {
    let st = this.streams.get(p.serial);
    if (p.flags & BOS) {
      if (st !== undefined) throw malformed(this.fmt, 'a stream begins twice');
      st = await this.begin(src, p);
      this.streams.set(p.serial, st);
      this.first ??= st;
    }
    if (st === undefined) throw malformed(this.fmt, 'a page of a stream that never began');
    if (p.granule >= 0n) st.lastGranule = p.granule;
    if (st.packets >= st.headers) return [];
    if ((st.offset > 0) !== ((p.flags & CONTINUED) !== 0)) throw malformed(this.fmt, 'a header page whose continuation flag is wrong');
    const out: HeaderPiece[] = [];
    let at = p.body;
    for (const l of p.lacing) {
      if (st.packets >= st.headers) break;
      if (st.packets >= 1) out.push({ stream: st, packetIndex: st.packets, at, len: l, packetOffset: st.offset });
      st.offset += l;
      at += l;
      if (l < 255) {
        st.packets++;
        st.offset = 0;
      }
    }
    return out;
  }

  /** Fails unless every stream got through its headers; returns the first stream's duration. */
  finish(): number | undefined {
    for (const st of this.streams.values()) if (st.packets < st.headers) throw truncated(this.fmt, 'a stream ends inside its header packets');
    const f = this.first;
    if (f === undefined) throw truncated(this.fmt, 'no Ogg stream');
    const samples = Number(f.lastGranule) - f.preSkip;
    return f.rate > 0 && samples > 0 ? Math.round((samples / f.rate) * 1000) : undefined;
  }

  private async begin(src: ByteSource, p: Page): Promise<Stream> {
    if (p.lacing.length === 0 || p.flags & CONTINUED) throw malformed(this.fmt, 'a first page without a whole identification header');
    const id = await src.read(p.body, Math.min(51, p.end - p.body));
    const base = { packets: 0, offset: 0, lastGranule: 0n, replacement: null };
    if (id.length >= 19 && id.toString('latin1', 0, 8) === 'OpusHead') return { ...base, codec: 'opus', headers: 2, rate: 48000, preSkip: id.readUInt16LE(10) };
    if (id.length >= 30 && id.toString('latin1', 0, 7) === '\x01vorbis') return { ...base, codec: 'vorbis', headers: 3, rate: id.readUInt32LE(12), preSkip: 0 };
    if (id.length >= 51 && id.toString('latin1', 0, 5) === '\x7fFLAC' && id.toString('latin1', 9, 13) === 'fLaC') {
      // The mapping header counts the metadata packets that follow; 0 means "unknown", and we
      // would have to guess where audio starts: refuse instead.
      const count = id.readUInt16BE(7);
      if (count === 0) throw unsupported(this.fmt, 'a FLAC-in-Ogg stream that does not count its header packets');
      return { ...base, codec: 'flac', headers: 1 + count, rate: id.readUIntBE(27, 3) >> 4, preSkip: 0 };
    }
    throw unsupported(this.fmt, 'an Ogg stream that is neither Opus, Vorbis nor FLAC');
  }
}
