/**
 * Streaming scan with a hold-back window. Text is buffered; each round scans the buffer (plus
 * `lookBehind` characters of already-emitted context, so cue words and email local parts before
 * the cut are still seen), then commits everything up to `holdBack` characters before the end,
 * moving the cut back so it never falls inside a finding or between two characters of one word
 * or number. Because every recognizer decides from at most `lookBehind` characters before a
 * candidate and `holdBack` after it, the findings and the masked output are identical to
 * scanning the whole text at once (pinned by a test that splits texts at random points).
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { applyOperators, type OperatorConfig } from '../mask/index.js';
import type { ScanContext } from './options.js';
import type { Finding } from './types.js';

export interface ScanStreamOptions {
  ctx?: ScanContext;
  /**
   * What the readable side carries: the masked text (`'masked'`), or nothing (`'none'`: only
   * `onFinding` is called; use it for counting or `--json`).
   * @default 'masked'
   */
  output?: 'masked' | 'none';
  /** Operators for the masked output. @default { default: 'tag' } */
  operators?: OperatorConfig;
  /** Called for every finding, in order, with offsets into the whole stream (UTF-16 code units). */
  onFinding?: (f: Finding) => void;
  /** Characters held back at the end of the buffer. @default 1024 */
  holdBack?: number;
  /** Characters of emitted text kept as context for the next round. @default 256 */
  lookBehind?: number;
}

interface Scans {
  scan(text: string, ctx?: ScanContext): Finding[];
}

/** Word or number characters: a cut between two of them could split an identifier. */
function joins(c: number): boolean {
  return c > 32 && c !== 0x3000 && c !== 0xff0c && c !== 0x3002 && c !== 44 && c !== 59 && c !== 0xff1b && c !== 0xff01 && c !== 0xff1f;
}

export class ScanStream extends Transform {
  private readonly scanner: Scans;
  private readonly opts: ScanStreamOptions;
  private readonly decoder = new StringDecoder('utf8');
  private readonly hold: number;
  private readonly behind: number;
  private buf = '';
  /** Absolute offset of buf[0]. */
  private base = 0;
  /** Absolute offset of the first character not yet emitted. */
  private committed = 0;

  constructor(scanner: Scans, opts: ScanStreamOptions = {}) {
    super({ decodeStrings: false, encoding: 'utf8' });
    this.scanner = scanner;
    this.opts = opts;
    this.hold = opts.holdBack ?? 1024;
    this.behind = opts.lookBehind ?? 256;
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
      if (this.buf.length - (this.committed - this.base) >= 4 * this.hold + this.behind) this.round(false);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.buf += this.decoder.end();
      this.round(true);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  private round(final: boolean): void {
    const buf = this.buf;
    const local = this.committed - this.base;
    const findings = this.scanner.scan(buf, this.opts.ctx);
    let cut = buf.length;
    if (!final) {
      cut = buf.length - this.hold;
      for (let moved = true; moved && cut > local; ) {
        moved = false;
        while (cut > local && joins(buf.charCodeAt(cut - 1)) && joins(buf.charCodeAt(cut))) {
          cut--;
          moved = true;
        }
        for (const f of findings) {
          if (f.start < cut && f.end > cut) {
            cut = f.start;
            moved = true;
          }
        }
      }
      // A pathological run with no break point: cut anyway rather than buffer without bound.
      if (cut <= local) {
        if (buf.length - local < 64 * this.hold) return;
        cut = buf.length - this.hold;
      }
    }
    const mine: Finding[] = [];
    for (const f of findings) {
      if (f.end <= local || f.start >= cut) continue;
      // A finding reaching back into emitted text was seen there already (the cut never splits one).
      const s = Math.max(f.start, local);
      mine.push({ kind: f.kind, start: s - local, end: Math.min(f.end, cut) - local, score: f.score });
    }
    if (this.opts.onFinding !== undefined) {
      for (const f of mine) this.opts.onFinding({ kind: f.kind, start: f.start + this.committed, end: f.end + this.committed, score: f.score });
    }
    if (this.opts.output !== 'none') {
      const piece = buf.slice(local, cut);
      this.push(applyOperators(piece, mine, this.opts.operators));
    }
    this.committed = this.base + cut;
    const drop = Math.max(0, cut - this.behind);
    this.buf = buf.slice(drop);
    this.base += drop;
  }
}

export function createScanStream(scanner: Scans, opts?: ScanStreamOptions): ScanStream {
  return new ScanStream(scanner, opts);
}
