/**
 * Where chosen export lines go. The export decides what a line holds (selection, ids,
 * pseudonyms, the leak check); a sink decides how lines and their media land on disk
 * (manifest.jsonl + media/, or WebDataset tar shards), then SHA256SUMS, its signature and
 * sealing are the same for every sink (finish.ts). Sinks stream: a media file goes from the
 * decrypting stream to disk in chunks, never whole in memory.
 */
import type { Readable } from 'node:stream';
import type { WrittenFile } from './output-files.js';

export type ExportFormat = 'manifest' | 'webdataset';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['manifest', 'webdataset'];

export interface SinkOptions {
  /** age X25519 recipient (`age1…`): every file is sealed to it. */
  sealTo?: string;
  /** Webdataset: a shard is closed before it would pass this many bytes (one larger sample still gets a shard of its own). @default 1 GB */
  shardSize?: number;
}

/** One media file of a sample, as the export hands it over. */
export interface SampleMedia {
  /** Recipient-scoped file id (also the media file's name stem in the manifest format). */
  id: string;
  /** File extension without the dot (`jpg`, `wav`). */
  ext: string;
  /** The decrypted bytes. */
  stream: Readable;
  /** Plaintext size when known: lets a tar entry stream straight through. */
  size?: number;
  /** Descriptive fields for the line: kind, format, mime, bytes, width, height, durationMs. */
  meta: Record<string, unknown>;
}

/** A media entry of a written line: `file` is relative to the line's place (export root or shard). */
export interface WrittenMedia {
  id: string;
  file: string;
  sha256: string;
  [field: string]: unknown;
}

export interface SinkResult {
  /** Every file SHA256SUMS lists. */
  files: WrittenFile[];
  /** SHA-256 of SHA256SUMS: one hash that pins the whole export (the ledger and audit record it). */
  manifestSha256: string;
}

export interface ExportSink {
  readonly format: ExportFormat;
  /** Writes one line (an object with `id`) and its media; the media entries are added to the line. */
  addSample(line: Record<string, unknown> & { id: string }, media: SampleMedia[]): Promise<void>;
  /** A file at the export root (export.json). */
  addFile(name: string, content: string | Buffer): Promise<void>;
  /** Writes README.md, SHA256SUMS and its signature; nothing may be added after. */
  finish(): Promise<SinkResult>;
  /** Releases open files after a failure (the folder itself is removed by the caller). */
  abort(): Promise<void>;
}
