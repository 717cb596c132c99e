/**
 * One writer per data directory. The lock file holds the writer's pid; a lock whose process is
 * gone (a SIGKILLed run) is taken over, and the recovery pass then repairs what it left.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SunderError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class WriterLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): WriterLock {
    const path = join(dataDir, 'writer.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
        return new WriterLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          // The open may have created the file before writing the pid failed (a full disk):
          // a lock nobody holds, so it goes too.
          rmSync(path, { force: true });
          throw err;
        }
        const holder = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
          throw new SunderError('CONFIG_INVALID', `another sunder process (pid ${holder}) is writing to ${dataDir}`);
        }
        rmSync(path, { force: true }); // stale: its writer died
      }
    }
    throw new SunderError('CONFIG_INVALID', `could not take the writer lock in ${dataDir}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}
