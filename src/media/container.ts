import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { mediaError, verifyFailed } from './fail.js';
import { verifyBmff } from './formats/isobmff.js';
import { verifyOgg } from './formats/ogg.js';
import { probe, type Probe, type ProbedStream } from './probe.js';
import { FileSource } from './source.js';
import type { ToolPaths } from './tools.js';
import type { MediaFormat, MediaInfo } from './types.js';

const MUXER: Partial<Record<MediaFormat, string>> = { mp4: 'mp4', mov: 'mov', m4a: 'ipod', ogg: 'ogg' };
const EXT: Partial<Record<MediaFormat, string>> = { mp4: 'mp4', mov: 'mov', m4a: 'm4a', ogg: 'ogg' };

/** Real picture and sound only: no cover art, thumbnails, data (GPS/telemetry, timecode), subtitles or attachments. */
export const isRealStream = (s: ProbedStream): boolean => (s.type === 'video' && !s.attachedPic) || s.type === 'audio';

export interface ContainerJob {
  input: string;
  format: MediaFormat;
  tempDir: string;
  tools: ToolPaths;
  timeoutMs: number;
  verify: boolean;
}

/**
 * Remuxes with stream copy into a temp file: every sample stays as it was, while global, per-stream
 * and chapter metadata, data tracks and cover art are left behind. Returns the temp path and facts.
 */
export async function remux(job: ContainerJob): Promise<{ path: string; info: Omit<MediaInfo, 'format' | 'mime'> }> {
  const abs = resolve(job.input);
  const inProbe = await probe(job.tools, abs, job.timeoutMs, job.verify);
  const keep = inProbe.streams.filter(isRealStream);
  if (keep.length === 0) throw mediaError('MEDIA_UNSUPPORTED', `${job.format}: no audio or video stream`);
  const out = join(job.tempDir, `${randomUUID()}.${EXT[job.format]!}`);
  await runFfmpeg(job, abs, out, keep);
  const size = (await stat(out)).size;
  if (size === 0) throw verifyFailed(job.format, 'an empty file');
  let outProbe: Probe | undefined;
  if (job.verify) {
    outProbe = await probe(job.tools, out, job.timeoutMs, true);
    checkStreams(job.format, keep, outProbe);
    const src = await FileSource.open(out);
    try {
      if (job.format === 'ogg') await verifyOgg(src);
      else await verifyBmff(src);
    } finally {
      await src.close();
    }
  }
  const video = keep.find((s) => s.type === 'video');
  const rotation = video?.rotation ?? 0;
  return {
    path: out,
    info: {
      kind: video ? 'video' : 'audio',
      ...(video?.width ? { width: video.width, height: video.height } : {}),
      ...(rotation !== 0 ? { rotation } : {}),
      ...(inProbe.durationMs !== undefined ? { durationMs: inProbe.durationMs } : {}),
      bytes: size,
    },
  };
}

function checkStreams(fmt: MediaFormat, want: ProbedStream[], got: Probe): void {
  if (got.streams.length !== want.length) throw verifyFailed(fmt, 'a different number of streams');
  if (got.tagCount > 0) throw verifyFailed(fmt, 'metadata tags');
  want.forEach((w, i) => {
    const g = got.streams[i]!;
    if (g.type !== w.type || g.codec !== w.codec) throw verifyFailed(fmt, 'a stream of another type or codec');
    if (g.rotation !== w.rotation) throw verifyFailed(fmt, 'a changed rotation');
    if (w.packets !== undefined && g.packets !== w.packets) throw verifyFailed(fmt, 'a different packet count');
  });
}

function runFfmpeg(job: ContainerJob, input: string, output: string, keep: ProbedStream[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let done = false;
    const cmd = ffmpeg({ logger: undefined })
      .setFfmpegPath(job.tools.ffmpeg)
      // `file:` and the protocol whitelist stop a crafted name or reference from reaching the network.
      .input(`file:${input}`)
      .inputOptions(['-nostdin', '-hide_banner', '-v', 'error', '-protocol_whitelist', 'file'])
      .outputOptions([
        ...keep.flatMap((s) => ['-map', `0:${s.index}`]),
        '-c',
        'copy',
        '-map_metadata',
        '-1',
        '-map_chapters',
        '-1',
        // bitexact: no encoder tag, no creation time, deterministic Ogg serials.
        '-fflags',
        '+bitexact',
        '-flags:v',
        '+bitexact',
        '-flags:a',
        '+bitexact',
      ])
      .format(MUXER[job.format]!)
      .output(`file:${output}`);
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      cmd.kill('SIGKILL');
      reject(mediaError('MEDIA_TIMEOUT', `${job.format}: ffmpeg did not finish in time`));
    }, job.timeoutMs);
    cmd.on('error', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // ffmpeg's own message names the file and can quote tag values: never pass it on.
      reject(mediaError('MEDIA_TOOL_FAILED', `${job.format}: ffmpeg could not remux the streams`));
    });
    cmd.on('end', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolvePromise();
    });
    cmd.run();
  });
}
