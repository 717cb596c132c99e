import { childOf, handlerType, pathOf, type Box } from './isobmff-box.js';

/**
 * What stays inside `moov`, parent by parent: what a player needs to find, time and decode the
 * real audio and video samples, and nothing else. Every other box (udta with ©xyz/loci/©day,
 * meta with keys/ilst and cover art, uuid with XMP or a camera's blobs, tref to a dropped track,
 * gmhd of a timecode or GPS track...) becomes a zeroed `free` box of the same size.
 */
export const KEEP: Readonly<Record<string, ReadonlySet<string>>> = {
  moov: new Set(['mvhd', 'trak', 'iods', 'mvex']),
  mvex: new Set(['mehd', 'trex']),
  trak: new Set(['tkhd', 'edts', 'mdia', 'tapt']),
  edts: new Set(['elst']),
  tapt: new Set(['clef', 'prof', 'enof']),
  mdia: new Set(['mdhd', 'hdlr', 'minf']),
  minf: new Set(['vmhd', 'smhd', 'hdlr', 'dinf', 'stbl']),
  dinf: new Set(['dref']),
  stbl: new Set(['stsd', 'stts', 'stss', 'ctts', 'stsc', 'stsz', 'stz2', 'stco', 'co64', 'sgpd', 'sbgp', 'sdtp', 'cslg', 'stps']),
};

/** Top-level boxes kept as they are (their payload, for the padding ones, zeroed). */
export const TOP = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', ...['styp', 'sidx', 'moof', 'mfra']]);
/** Padding boxes: they can hold leftovers of an earlier edit, so their payload is zeroed. */
export const PADDING = new Set(['free', 'skip', 'wide']);
/**
 * Boxes of a fragmented file kept verbatim: segment brands and the segment index (sizes and
 * presentation times, which in-place rewriting keeps valid). moof and mfra are edited; emsg
 * (free-form event messages), prft (the producer's wall-clock time) and ssix become `free`.
 */
export const FRAGMENT_VERBATIM = new Set(['styp', 'sidx']);
/** Boxes whose creation and modification times are zeroed. */
export const TIMED = new Set(['mvhd', 'tkhd', 'mdhd']);

// Codecs of still pictures: a video track of one of these that is disabled or holds one sample
// is cover art or a thumbnail, not footage.
const STILL = new Set(['jpeg', 'png ', 'bmp ', 'gif ', 'tiff', 'mjp2']);

/** The handler of a track that is real audio or video, or undefined for any other track. */
export function realTrack(buf: Buffer, trak: Box, fmt: string): 'vide' | 'soun' | undefined {
  const hdlr = pathOf(buf, trak, ['mdia', 'hdlr'], fmt);
  if (hdlr === undefined) return undefined;
  const h = handlerType(buf, hdlr, fmt);
  if (h === 'soun') return h;
  if (h !== 'vide') return undefined;
  const stbl = pathOf(buf, trak, ['mdia', 'minf', 'stbl'], fmt);
  const stsd = stbl && childOf(buf, stbl, 'stsd', fmt);
  const codec = stsd && stsd.end - stsd.body >= 16 ? buf.toString('latin1', stsd.body + 12, stsd.body + 16) : '';
  if (STILL.has(codec)) {
    const tkhd = childOf(buf, trak, 'tkhd', fmt);
    const enabled = tkhd !== undefined && (buf[tkhd.body + 3]! & 1) === 1;
    const stsz = stbl && childOf(buf, stbl, 'stsz', fmt);
    const samples = stsz && stsz.end - stsz.body >= 12 ? buf.readUInt32BE(stsz.body + 8) : 0;
    if (!enabled || samples <= 1) return undefined;
  }
  return h;
}

/** Where the free-text name of a handler box starts (ISO: C string; QuickTime: Pascal string). */
export const HANDLER_NAME_AT = 24;
/** The 32-byte compressor name of a visual sample entry, relative to the entry's start. */
export const COMPRESSOR_NAME = { at: 50, len: 32 };
