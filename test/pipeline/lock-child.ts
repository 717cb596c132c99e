/**
 * Child process for lock.test.ts (not a test file itself).
 *   race <dataDir> <trials> <startAtMs>  tries the writer lock `trials` times from startAtMs on;
 *                                        while holding it, marks `holder` exclusively and checks
 *                                        that a second in-process attempt is refused; prints counts
 *   hold <dataDir>                       opens an Ingestor, prints "held", waits to be killed
 */
import { openSync, closeSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isSunderError } from '../../src/errors.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { WriterLock } from '../../src/pipeline/lock.js';

const [mode, dataDir, ...rest] = process.argv.slice(2);

if (mode === 'race') {
  const trials = Number(rest[0]);
  const startAt = Number(rest[1]);
  const counts = { acquired: 0, refused: 0, doubleAcrossProcesses: 0, doubleInProcess: 0 };
  while (Date.now() < startAt) { /* spin: every child starts at the same moment */ }
  const marker = join(dataDir!, 'holder');
  for (let i = 0; i < trials; i++) {
    let lock: WriterLock;
    try {
      lock = WriterLock.acquire(dataDir!);
    } catch (err) {
      if (!isSunderError(err, 'WRITER_LOCKED')) throw err;
      counts.refused++;
      continue;
    }
    counts.acquired++;
    // Only the holder may create the marker: if it exists, two processes hold the lock.
    try {
      closeSync(openSync(marker, 'wx'));
    } catch {
      counts.doubleAcrossProcesses++;
    }
    try {
      WriterLock.acquire(dataDir!).release();
      counts.doubleInProcess++;
    } catch (err) {
      if (!isSunderError(err, 'WRITER_LOCKED')) throw err;
    }
    unlinkSync(marker);
    lock.release();
  }
  process.stdout.write(JSON.stringify(counts) + '\n');
} else if (mode === 'hold') {
  await Ingestor.open({ dataDir: dataDir!, workers: 0 });
  process.stdout.write('held\n');
  setInterval(() => undefined, 1_000);
} else {
  throw new Error(`unknown mode ${mode}`);
}
