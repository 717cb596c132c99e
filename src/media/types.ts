/** The closed allowlist of media formats Sunder can de-identify. Anything else is rejected. */
export const MEDIA_FORMATS = ['jpeg', 'png', 'webp', 'tiff', 'wav', 'flac', 'mp3', 'mp4', 'mov', 'm4a', 'ogg', 'aiff', 'heic', 'avif'] as const;
export type MediaFormat = (typeof MEDIA_FORMATS)[number];

/** What a media file is, for the business object. */
export type MediaClass = 'image' | 'audio' | 'video';

/** Facts about a stripped file. None of them identify a person. */
export interface MediaInfo {
  format: MediaFormat;
  kind: MediaClass;
  mime: string;
  /** Stored pixel width (before any orientation is applied). */
  width?: number;
  /** Stored pixel height (before any orientation is applied). */
  height?: number;
  /** EXIF orientation 1..8 that was kept (JPEG, PNG, TIFF). */
  orientation?: number;
  /** Rotation in degrees kept from a video display matrix. */
  rotation?: number;
  durationMs?: number;
  /** Size of the stripped output in bytes. */
  bytes?: number;
}

export const MIME: Readonly<Record<MediaFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tiff: 'image/tiff',
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  aiff: 'audio/aiff',
  heic: 'image/heic',
  avif: 'image/avif',
};

/**
 * One piece of a rewritten file: literal bytes built by the rewriter, or a byte range
 * `[start, end)` copied verbatim from the input. Ranges keep memory bounded: image and
 * audio payloads are never held, only streamed.
 */
export type Segment = Buffer | { start: number; end: number };

/** What an in-process rewriter decided: the output as segments, plus facts about it. */
export interface Plan {
  segments: Segment[];
  info: Omit<MediaInfo, 'format' | 'kind' | 'mime' | 'bytes'> & { kind?: MediaClass };
}
