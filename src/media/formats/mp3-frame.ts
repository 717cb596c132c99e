// MPEG audio frame headers (ISO 11172-3 / 13818-3). Free-format bitrate (index 0) is refused: its
// frames have no length in the header, so they cannot be walked safely.
const BR_V1 = [
  [], // layer index 0 reserved
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], // L3
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384], // L2
  [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // L1
];
const BR_V2 = [
  [],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
];
const SR = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] } as Record<number, number[]>;

export interface Mp3Header {
  length: number;
  sampleRate: number;
  samples: number;
  /** version/layer/rate, which stay fixed across a stream */
  key: number;
}

export function mp3Header(b: Uint8Array, at: number): Mp3Header | undefined {
  if (at + 4 > b.length) return undefined;
  const b1 = b[at + 1]!;
  const b2 = b[at + 2]!;
  if (b[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const ver = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  const bri = b2 >> 4;
  const sri = (b2 >> 2) & 3;
  if (ver === 1 || layer === 0 || bri === 0 || bri === 15 || sri === 3) return undefined;
  const kbps = (ver === 3 ? BR_V1 : BR_V2)[layer]![bri]!;
  const sr = SR[ver]![sri]!;
  const pad = (b2 >> 1) & 1;
  let length: number;
  let samples: number;
  if (layer === 3) {
    length = (Math.floor((12 * kbps * 1000) / sr) + pad) * 4;
    samples = 384;
  } else if (layer === 2 || ver === 3) {
    length = Math.floor((144 * kbps * 1000) / sr) + pad;
    samples = 1152;
  } else {
    length = Math.floor((72 * kbps * 1000) / sr) + pad;
    samples = 576;
  }
  return { length, sampleRate: sr, samples, key: (b1 & 0x1e) | (sri << 8) };
}

export function mp3FrameLength(b: Uint8Array, at: number): number {
  return mp3Header(b, at)?.length ?? 0;
}
