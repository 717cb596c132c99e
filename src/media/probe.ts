import { mediaError } from './fail.js';
import { run, type ToolPaths } from './tools.js';

export interface ProbedStream {
  index: number;
  type: 'video' | 'audio' | 'data' | 'subtitle' | 'attachment' | 'other';
  codec: string;
  /** cover art and other still pictures carried as a "video" stream */
  attachedPic: boolean;
  rotation: number;
  packets?: number;
  durationMs?: number;
  width?: number;
  height?: number;
}

export interface Probe {
  streams: ProbedStream[];
  durationMs?: number;
  tagCount: number;
}

interface FfprobeJson {
  streams?: {
    index: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    duration?: string;
    nb_read_packets?: string;
    disposition?: { attached_pic?: number; timed_thumbnails?: number };
    side_data_list?: { side_data_type?: string; rotation?: number }[];
    tags?: Record<string, string>;
  }[];
  format?: { duration?: string; tags?: Record<string, string> };
}

const FTYP_KEYS = new Set(['major_brand', 'minor_version', 'compatible_brands']);
const TYPES = new Set(['video', 'audio', 'data', 'subtitle', 'attachment']);

/**
 * Lists a file's streams. With `countPackets` ffprobe demuxes the whole file, so a stream copy can be
 * checked packet for packet: ffmpeg can exit 0 having written an empty or partial file.
 */
export async function probe(tools: ToolPaths, path: string, timeoutMs: number, countPackets: boolean): Promise<Probe> {
  if (tools.ffprobe === undefined) return probeWithFfmpeg(tools, path, timeoutMs);
  const args = ['-v', 'error', '-protocol_whitelist', 'file', '-show_streams', '-show_format', '-of', 'json'];
  if (countPackets) args.push('-count_packets');
  args.push(`file:${path}`);
  const r = await run(tools.ffprobe, args, timeoutMs);
  if (r.timedOut) throw mediaError('MEDIA_TIMEOUT', 'ffprobe did not finish in time');
  if (r.code !== 0) throw mediaError('MEDIA_MALFORMED', 'ffprobe could not read the container');
  let j: FfprobeJson;
  try {
    j = JSON.parse(r.stdout) as FfprobeJson;
  } catch {
    throw mediaError('MEDIA_TOOL_FAILED', 'ffprobe printed unparseable output');
  }
  // ftyp brands are reported as format tags but are structure, not metadata.
  let tagCount = Object.keys(j.format?.tags ?? {}).filter((k) => !FTYP_KEYS.has(k)).length;
  const streams = (j.streams ?? []).map((s): ProbedStream => {
    tagCount += Object.keys(s.tags ?? {}).filter((k) => k !== 'handler_name' && k !== 'vendor_id' && k !== 'language').length;
    const rot = s.side_data_list?.find((d) => d.side_data_type === 'Display Matrix')?.rotation ?? 0;
    const dur = s.duration === undefined ? undefined : Math.round(Number(s.duration) * 1000);
    return {
      index: s.index,
      type: (TYPES.has(s.codec_type ?? '') ? s.codec_type : 'other') as ProbedStream['type'],
      codec: s.codec_name ?? 'unknown',
      attachedPic: (s.disposition?.attached_pic ?? 0) === 1 || (s.disposition?.timed_thumbnails ?? 0) === 1,
      rotation: rot,
      ...(s.nb_read_packets !== undefined ? { packets: Number(s.nb_read_packets) } : {}),
      ...(dur !== undefined && Number.isFinite(dur) ? { durationMs: dur } : {}),
      ...(s.width ? { width: s.width, height: s.height } : {}),
    };
  });
  const d = j.format?.duration === undefined ? undefined : Math.round(Number(j.format.duration) * 1000);
  return { streams, tagCount, ...(d !== undefined && Number.isFinite(d) ? { durationMs: d } : {}) };
}

/** Fallback for the npm-shipped ffmpeg, which comes without ffprobe: parse the `Stream #0:N` lines. */
async function probeWithFfmpeg(tools: ToolPaths, path: string, timeoutMs: number): Promise<Probe> {
  const r = await run(tools.ffmpeg, ['-hide_banner', '-nostdin', '-protocol_whitelist', 'file', '-i', `file:${path}`], timeoutMs);
  if (r.timedOut) throw mediaError('MEDIA_TIMEOUT', 'ffmpeg probe did not finish in time');
  const streams: ProbedStream[] = [];
  const re = /Stream #0:(\d+)[^:]*: (Video|Audio|Data|Subtitle|Attachment): (\w+)([^\n]*)/g;
  for (const m of r.stderr.matchAll(re)) {
    const rest = m[4] ?? '';
    const wh = /, (\d+)x(\d+)/.exec(rest);
    streams.push({
      index: Number(m[1]),
      type: m[2]!.toLowerCase() as ProbedStream['type'],
      codec: m[3]!,
      attachedPic: /\(attached pic\)|\(timed thumbnails\)/.test(rest),
      rotation: Number(/rotate\s*:\s*(-?\d+)/.exec(r.stderr)?.[1] ?? 0),
      ...(wh ? { width: Number(wh[1]), height: Number(wh[2]) } : {}),
    });
  }
  if (streams.length === 0) throw mediaError('MEDIA_MALFORMED', 'ffmpeg found no streams in the container');
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(r.stderr);
  const durationMs = d ? Math.round((Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3])) * 1000) : undefined;
  return { streams, tagCount: 0, ...(durationMs !== undefined ? { durationMs } : {}) };
}
