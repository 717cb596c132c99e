import { malformed, truncated, unsupported } from '../fail.js';
import type { ByteSource } from '../source.js';
import { BOS, CONTINUED, type Page } from './ogg-page.js';

type Codec = 'opus' | 'vorbis';
// Header packets per codec; the second one is the comment header in both.
const HEADERS: Record<Codec, number> = { opus: 2, vorbis: 3 };
const SIGNATURE: Record<Codec, string> = { opus: 'OpusTags', vorbis: '\x03vorbis' };

/**
 * The comment header we write: the signature, an empty vendor string and no comment (plus the
 * framing bit for Vorbis). It is padded with zeros to the original packet's length, which both
 * specifications allow after the comment list, so every page keeps its lacing and the stream its
 * page count: no later page is renumbered or re-checksummed.
 */
export function emptyComment(codec: Codec): Buffer {
  const sig = Buffer.from(SIGNATURE[codec], 'latin1');
  return Buffer.concat([sig, Buffer.alloc(8), codec === 'vorbis' ? Buffer.from([1]) : Buffer.alloc(0)]);
}

/** A piece of the comment packet on one page: `at` is its file offset, `packetOffset` where it sits in the packet. */
export interface CommentPiece {
  codec: Codec;
  at: number;
  len: number;
  packetOffset: number;
}

interface Stream {
  codec: Codec;
  packets: number;
  offset: number;
  rate: number;
  preSkip: number;
  lastGranule: bigint;
}

/** Follows every logical stream (multiplexed or chained) through its header packets. */
export class OggStreams {
  private readonly streams = new Map<number, Stream>();
  private first: Stream | undefined;

  constructor(private readonly fmt: string) {}

  /** The comment-packet pieces on this page (none once its stream is past its headers). */
  async onPage(src: ByteSource, p: Page): Promise<CommentPiece[]> {
    let st = this.streams.get(p.serial);
    if (p.flags & BOS) {
      if (st !== undefined) throw malformed(this.fmt, 'a stream begins twice');
      st = await this.begin(src, p);
      this.streams.set(p.serial, st);
      this.first ??= st;
    }
    if (st === undefined) throw malformed(this.fmt, 'a page of a stream that never began');
    if (p.granule >= 0n) st.lastGranule = p.granule;
    const total = HEADERS[st.codec];
    if (st.packets >= total) return [];
    if ((st.offset > 0) !== ((p.flags & CONTINUED) !== 0)) throw malformed(this.fmt, 'a header page whose continuation flag is wrong');
    const out: CommentPiece[] = [];
    let at = p.body;
    for (const l of p.lacing) {
      if (st.packets >= total) break;
      if (st.packets === 1) out.push({ codec: st.codec, at, len: l, packetOffset: st.offset });
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
    for (const st of this.streams.values()) if (st.packets < HEADERS[st.codec]) throw truncated(this.fmt, 'a stream ends inside its header packets');
    const f = this.first;
    if (f === undefined) throw truncated(this.fmt, 'no Ogg stream');
    const samples = Number(f.lastGranule) - f.preSkip;
    return f.rate > 0 && samples > 0 ? Math.round((samples / f.rate) * 1000) : undefined;
  }

  private async begin(src: ByteSource, p: Page): Promise<Stream> {
    if (p.lacing.length === 0 || p.flags & CONTINUED) throw malformed(this.fmt, 'a first page without a whole identification header');
    const id = await src.read(p.body, Math.min(30, p.end - p.body));
    const base = { packets: 0, offset: 0, lastGranule: 0n };
    if (id.length >= 19 && id.toString('latin1', 0, 8) === 'OpusHead') return { ...base, codec: 'opus', rate: 48000, preSkip: id.readUInt16LE(10) };
    if (id.length >= 30 && id.toString('latin1', 0, 7) === '\x01vorbis') return { ...base, codec: 'vorbis', rate: id.readUInt32LE(12), preSkip: 0 };
    throw unsupported(this.fmt, 'an Ogg stream that is neither Opus nor Vorbis');
  }
}

/** Checks the signature where the comment packet starts, so a wrong packet is never overwritten. */
export function checkSignature(page: Buffer, off: number, piece: CommentPiece, fmt: string): void {
  if (piece.packetOffset !== 0) return;
  const sig = SIGNATURE[piece.codec];
  if (piece.len < emptyComment(piece.codec).length || page.toString('latin1', off, off + sig.length) !== sig) throw malformed(fmt, 'a second header packet that is not a comment header');
}
