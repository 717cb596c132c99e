import type { ByteSource } from './source.js';
import type { MediaFormat } from './types.js';
import { mp3FrameLength } from './formats/mp3-frame.js';

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  if (at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** The ID3 syncsafe integer (4 bytes, 7 bits each) at `at`, or -1 when a byte has its top bit set. */
export function syncsafe(b: Uint8Array, at: number): number {
  const b0 = b[at]!;
  const b1 = b[at + 1]!;
  const b2 = b[at + 2]!;
  const b3 = b[at + 3]!;
  if ((b0 | b1 | b2 | b3) & 0x80) return -1; // syncsafe bytes never have the top bit
  return (b0 << 21) | (b1 << 14) | (b2 << 7) | b3;
}

/** Size of an ID3v2 tag starting at `at` (header, body and footer), or 0 if none is there. */
export function id3v2Size(b: Uint8Array, at = 0): number {
  if (!ascii(b, at, 'ID3') || at + 10 > b.length) return 0;
  const body = syncsafe(b, at + 6);
  if (body < 0) return 0;
  const footer = b[at + 5]! & 0x10 ? 10 : 0;
  return 10 + body + footer;
}

/**
 * Offset just past the ID3v2 tags at the start of `src` (a file can carry several back to back).
 * With `pastEnd`, a tag that runs past the end of the file throws what it returns; without it,
 * the caller's next read is left to fail.
 */
export async function skipLeadingId3(src: ByteSource, pastEnd?: () => Error): Promise<number> {
  let pos = 0;
  for (;;) {
    const head = await src.read(pos, Math.min(10, src.size - pos));
    const n = id3v2Size(head);
    if (n === 0) return pos;
    if (pastEnd !== undefined && pos + n > src.size) throw pastEnd();
    pos += n;
  }
}

// ISO-BMFF major brands by container. HEIF/AVIF brands are recognised only to refuse them clearly.
const M4A_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ']);
const MOV_BRANDS = new Set(['qt  ']);
const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'iso7', 'iso8', 'iso9', 'mp41', 'mp42', 'mp71', 'avc1', 'M4V ', 'M4VH', 'M4VP', 'dash', 'mmp4', 'MSNV', 'NDAS', 'XAVC', 'f4v ', '3gp4', '3gp5', '3gp6', '3gp7', '3gp8', '3gp9', '3gg6', '3ge6', '3ge7', '3g2a', '3g2b', '3g2c', 'isml', 'piff']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'mif2', 'miaf', 'msf1', 'avif', 'avis']);
// Image sequences (HEVC or AV1 tracks in a moov, Live-Photo style bursts) are refused: the still
// rewriter reads items, not tracks.
const HEIF_SEQUENCE_BRANDS = new Set(['msf1', 'hevc', 'hevx', 'avis']);

/** HEIC or AVIF from the brands of a HEIF-family `ftyp`: AV1 brands win, everything else is HEVC-or-generic HEIF. */
function heifVerdict(brands: readonly string[]): SniffVerdict {
  if (HEIF_SEQUENCE_BRANDS.has(brands[0]!)) return { refused: 'HEIF/AVIF image sequence' };
  if (brands.includes('avif')) return { format: 'avif' };
  return { format: 'heic' };
}

/** What the sniffer saw: an allowlisted format, a known but refused one, or nothing it knows. */
export type SniffVerdict = { format: MediaFormat } | { refused: string } | undefined;

/**
 * Classifies a file from its first bytes (pass at least 4 KiB where the file has them). Never looks
 * at a file name. An ID3v2-prefixed FLAC is recognised only when `head` reaches past the tag;
 * {@link sniffFormat} callers with just a head get `mp3` otherwise, and `strip()` reads past the
 * tag itself.
 */
export function sniffVerdict(head: Uint8Array): SniffVerdict {
  const b = head;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { format: 'jpeg' };
  if (b.length >= 8 && ascii(b, 0, '\x89PNG\r\n\x1a\n')) return { format: 'png' };
  if (b.length >= 12 && (ascii(b, 0, 'RIFF') || ascii(b, 0, 'RF64') || ascii(b, 0, 'BW64'))) {
    if (ascii(b, 8, 'WAVE')) return { format: 'wav' };
    if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return { format: 'webp' };
    return undefined;
  }
  if (b.length >= 4 && ((ascii(b, 0, 'II') && b[2] === 42 && b[3] === 0) || (ascii(b, 0, 'MM') && b[2] === 0 && b[3] === 42))) {
    // Camera raw files are TIFF-shaped but hold sensor data and maker blocks we cannot rewrite.
    if (ascii(b, 8, 'CR')) return { refused: 'camera raw' };
    return { format: 'tiff' };
  }
  if (b.length >= 4 && ((ascii(b, 0, 'II') && b[2] === 43) || (ascii(b, 0, 'MM') && b[3] === 43))) return { refused: 'BigTIFF' };
  if (b.length >= 12 && ascii(b, 0, 'FORM') && (ascii(b, 8, 'AIFF') || ascii(b, 8, 'AIFC'))) return { format: 'aiff' };
  if (ascii(b, 0, 'fLaC')) return { format: 'flac' };
  if (ascii(b, 0, 'OggS')) {
    // The first page carries the first packet of the first logical stream: its codec header.
    const segs = b[26];
    if (segs === undefined) return undefined;
    const body = 27 + segs;
    if (ascii(b, body, 'OpusHead') || ascii(b, body, '\x01vorbis') || ascii(b, body, '\x7fFLAC')) return { format: 'ogg' };
    return { refused: 'ogg codec other than Opus, Vorbis or FLAC' };
  }
  if (b.length >= 12 && ascii(b, 4, 'ftyp')) {
    const brand = String.fromCharCode(b[8]!, b[9]!, b[10]!, b[11]!);
    // A major brand we do not know (a camera maker's own) is judged by the compatible brands
    // that follow it, as players do.
    const size = Math.min(new DataView(b.buffer, b.byteOffset, b.length).getUint32(0), b.length);
    const brands = [brand];
    for (let at = 16; at + 4 <= size; at += 4) brands.push(String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!));
    if (HEIF_BRANDS.has(brand)) return heifVerdict(brands);
    for (const br of brands) {
      if (M4A_BRANDS.has(br)) return { format: 'm4a' };
      if (MOV_BRANDS.has(br)) return { format: 'mov' };
      if (MP4_BRANDS.has(br)) return { format: 'mp4' };
      if (HEIF_BRANDS.has(br)) return heifVerdict([br, ...brands]);
    }
    return undefined;
  }
  // QuickTime files from before `ftyp` existed start straight with a top-level atom.
  if (b.length >= 8 && (ascii(b, 4, 'moov') || ascii(b, 4, 'mdat') || ascii(b, 4, 'wide'))) return { format: 'mov' };
  // Taggers that append instead of merging leave two or three ID3v2 tags back to back.
  let id3 = 0;
  for (let n = id3v2Size(b); n > 0; n = id3v2Size(b, id3)) id3 += n;
  if (id3 > 0) {
    if (id3 + 4 > b.length) return { format: 'mp3' };
    if (ascii(b, id3, 'fLaC')) return { format: 'flac' };
    return isMp3At(b, id3) || allZero(b, id3) ? { format: 'mp3' } : undefined;
  }
  if (isMp3At(b, 0)) return { format: 'mp3' };
  return undefined;
}

function allZero(b: Uint8Array, from: number): boolean {
  // Taggers pad after ID3v2 with zeros that some leave outside the declared size.
  for (let i = from; i < Math.min(b.length, from + 16); i++) if (b[i] !== 0) return false;
  return true;
}

function isMp3At(b: Uint8Array, at: number): boolean {
  const len = mp3FrameLength(b, at);
  if (len === 0) return false;
  // One valid-looking header is a 1-in-a-few-thousand accident; two in a row are not.
  if (at + len + 4 <= b.length) return mp3FrameLength(b, at + len) > 0;
  return true;
}

/**
 * The format of a file from its leading bytes, checked against the closed allowlist
 * ({@link MEDIA_FORMATS}); `undefined` for anything else, including formats Sunder knows but
 * refuses (HEIF, camera raw, BigTIFF). Never trust an extension: call this on the bytes.
 */
export function sniffFormat(head: Uint8Array): MediaFormat | undefined {
  const v = sniffVerdict(head);
  return v !== undefined && 'format' in v ? v.format : undefined;
}
