/**
 * Creating a directory and its parents. Node's `mkdir({ recursive: true })` loops for ever at
 * 100% CPU when a parent exists but refuses children with ENOENT (`/proc/foo`: libuv retries the
 * parent, which "exists", then the child again). This walks up once and down once, and turns
 * every failure into one clear error.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SunderError } from './errors.js';
import { osError } from './os-errors.js';

function fail(dir: string, why: string): SunderError {
  return new SunderError('DIR_UNUSABLE', `cannot create the directory ${dir} (${why})`);
}

/** Creates `dir` and missing parents (each with `mode`); a directory that exists is fine. */
export function makeDirs(dir: string, mode = 0o700): void {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let d = target; ; d = dirname(d)) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(d).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw fail(target, code === 'ENOTDIR' ? 'a parent is not a directory' : code ?? 'error');
    }
    if (isDir === true) break;
    if (isDir === false) throw fail(target, d === target ? 'it exists and is not a directory' : 'a parent is not a directory');
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(d).isDirectory()) continue;
      // A full, read-only or forbidden file system is named as such (STORE_FULL, ...), not "unusable".
      if (code !== undefined && code !== 'ENOENT' && code !== 'EEXIST') throw osError(err, { what: 'creating a folder', path: d });
      // ENOENT with the parent in place: a file system that takes no new directories (/proc, /sys).
      throw fail(target, code === 'ENOENT' ? 'its file system does not allow it' : code ?? 'error');
    }
  }
}

/** Creates a folder 0700 whatever the umask (mkdir's mode is masked by it; chmod's is not). */
export function privateDir(path: string): void {
  makeDirs(path);
  chmodSync(path, 0o700);
}

/**
 * Creates an empty file 0600 if absent, so that SQLite opens it with those permissions (its -wal
 * and -shm follow). An existing file is not opened: closing a descriptor of a database would drop
 * the POSIX locks a connection of this process holds on it.
 */
export function privateFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  closeSync(fd);
  chmodSync(path, 0o600);
}
