/**
 * A text file written line by line (the outcome log, the export manifest) whose every failure
 * reaches the caller. A bare WriteStream reports a write error as an 'error' event: with no
 * listener it kills the process, and after it the stream is already closed, so waiting for
 * 'close' or 'drain' waits forever (the hang a full disk under the outcome log caused).
 * Here the first error is kept, and the next `write` or `close` throws it, as a SunderError
 * naming the file (os-errors.ts).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { osError } from './os-errors.js';

export class LineWriter {
  private readonly stream: WriteStream;
  private failure: unknown;
  private closing: Promise<void> | undefined;

  /** Creates (or truncates) `path`; `what` names it in errors ("the outcome log"). */
  constructor(readonly path: string, private readonly what: string, options: { mode?: number; flags?: string } = {}) {
    this.stream = createWriteStream(path, { mode: options.mode ?? 0o600, flags: options.flags ?? 'w' });
    this.stream.on('error', (err) => {
      this.failure ??= osError(err, { what: `writing ${this.what}`, path });
    });
  }

  /** Queues `text`; resolves when the stream can take more (backpressure), rejects on any write error. */
  async write(text: string): Promise<void> {
    this.throwIfFailed();
    if (this.stream.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
    this.throwIfFailed();
  }

  /** Flushes and closes; rejects with the first error the file had. Safe to call twice. */
  async close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.stream.destroyed) this.stream.end();
      await finished(this.stream).catch(() => undefined);
      this.throwIfFailed();
    })();
    return this.closing;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
