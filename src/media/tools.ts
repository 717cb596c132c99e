import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Paths of the external tools; Debian's build is preferred (newer, with ffprobe), else the npm one. */
export interface ToolPaths {
  ffmpeg: string;
  /** undefined when no ffprobe exists: probing then falls back to parsing `ffmpeg -i`. */
  ffprobe: string | undefined;
}

export function resolveTools(opts: { ffmpegPath?: string; ffprobePath?: string } = {}): ToolPaths {
  let ffmpeg = opts.ffmpegPath;
  if (ffmpeg === undefined) {
    if (existsSync('/usr/bin/ffmpeg')) ffmpeg = '/usr/bin/ffmpeg';
    else {
      const require = createRequire(import.meta.url);
      ffmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    }
  }
  const ffprobe = opts.ffprobePath ?? (existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : undefined);
  return { ffmpeg, ffprobe };
}

/** Runs a tool and collects stdout; stderr is never surfaced (it echoes paths and tag values). */
export function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : -1) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
        timedOut: Boolean(e?.killed),
      });
    });
    child.stdin?.end();
  });
}
