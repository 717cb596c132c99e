/**
 * Fault injection for a child process: `node --import ./fs-fault-shim.mjs ...`. Counts every
 * write-family call into `node:fs` (write, writev, writeFile, appendFile, fsync, fdatasync,
 * rename, mkdir, open for writing; callback, sync, promise and FileHandle forms) and fails the
 * Nth one the way the OS would (an Error with `code`, `errno`, `syscall`, `path`).
 *
 *   SUNDER_FAULT_AT=N        the write call to fail (1-based); absent or 0: count only
 *   SUNDER_FAULT_CODE=C      errno code to fail with (ENOSPC, EIO, EROFS, EACCES, ...) @default ENOSPC
 *   SUNDER_FAULT_MODE=M      `from`: call N and every later one fails (a full disk);
 *                            `once`: only call N fails (a transient error)  @default from
 *   SUNDER_FAULT_COUNT_FILE  where to write the number of write calls seen, at exit
 *
 * better-sqlite3 writes from C and is not seen here; the size-limited filesystem tests cover it.
 * Only plain JS: it is loaded by Node before any TypeScript tooling.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { constants as osConstants } from 'node:os';

const at = Number(process.env.SUNDER_FAULT_AT ?? 0);
const code = process.env.SUNDER_FAULT_CODE ?? 'ENOSPC';
const mode = process.env.SUNDER_FAULT_MODE ?? 'from';
const countFile = process.env.SUNDER_FAULT_COUNT_FILE;
const originalWriteFileSync = fs.writeFileSync;
let calls = 0;

const MESSAGES = { ENOSPC: 'no space left on device', EIO: 'i/o error', EROFS: 'read-only file system', EACCES: 'permission denied', EPERM: 'operation not permitted', EDQUOT: 'disk quota exceeded', EISDIR: 'illegal operation on a directory', ENOTDIR: 'not a directory' };

/** The error this call gets, or undefined to let it through. */
function fault(syscall, path) {
  calls++;
  if (at <= 0 || calls < at || (mode === 'once' && calls !== at)) return undefined;
  const where = typeof path === 'string' ? `, ${syscall} '${path}'` : `, ${syscall}`;
  const err = new Error(`${code}: ${MESSAGES[code] ?? 'injected fault'}${where}`);
  err.code = code;
  err.errno = -(osConstants.errno[code] ?? 5);
  err.syscall = syscall;
  if (typeof path === 'string') err.path = path;
  return err;
}

const writesFlags = (flags) => {
  if (flags === undefined || flags === null) return false;
  if (typeof flags === 'number') return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_TRUNC)) !== 0;
  return /[wa+]/.test(String(flags));
};

/** Wraps a callback-style function: a fault calls back with the error on the next tick. */
function wrapCallback(obj, name, counts = () => true, pathOf = (a) => a[0]) {
  const orig = obj[name];
  if (typeof orig !== 'function') return;
  obj[name] = function (...args) {
    if (counts(args)) {
      const err = fault(name, pathOf(args));
      if (err) {
        const cb = args[args.length - 1];
        if (typeof cb === 'function') return void process.nextTick(cb, err);
        throw err;
      }
    }
    return orig.apply(this, args);
  };
}

function wrapSync(obj, name, counts = () => true, pathOf = (a) => a[0]) {
  const orig = obj[name];
  if (typeof orig !== 'function') return;
  obj[name] = function (...args) {
    if (counts(args)) {
      const err = fault(name.replace(/Sync$/, ''), pathOf(args));
      if (err) throw err;
    }
    return orig.apply(this, args);
  };
}

function wrapPromise(obj, name, counts = () => true, pathOf = (a) => a[0]) {
  const orig = obj[name];
  if (typeof orig !== 'function') return;
  obj[name] = function (...args) {
    if (counts(args)) {
      const err = fault(name, pathOf(args));
      if (err) return Promise.reject(err);
    }
    return orig.apply(this, args);
  };
}

const openWrites = (a) => writesFlags(a[1]);
// Standard output and error stay writable: the process must be able to say what failed.
const notStdio = (a) => typeof a[0] !== 'number' || a[0] > 2;
const noPath = () => undefined;
const fileArg = (a) => (typeof a[0] === 'string' ? a[0] : undefined);

for (const n of ['write', 'writev', 'fsync', 'fdatasync']) wrapCallback(fs, n, notStdio, noPath);
for (const n of ['writeFile', 'appendFile']) wrapCallback(fs, n, undefined, fileArg);
for (const n of ['rename', 'mkdir']) wrapCallback(fs, n);
wrapCallback(fs, 'open', openWrites);
for (const n of ['writeSync', 'writevSync', 'fsyncSync', 'fdatasyncSync']) wrapSync(fs, n, notStdio, noPath);
for (const n of ['writeFileSync', 'appendFileSync']) wrapSync(fs, n, undefined, fileArg);
for (const n of ['renameSync', 'mkdirSync']) wrapSync(fs, n);
wrapSync(fs, 'openSync', openWrites);
for (const n of ['writeFile', 'appendFile']) wrapPromise(fsp, n, undefined, fileArg);
for (const n of ['rename', 'mkdir']) wrapPromise(fsp, n);
wrapPromise(fsp, 'open', openWrites);

// FileHandle methods live on a prototype that is reachable only through a handle.
const probe = await fsp.open(process.execPath, 'r');
const handleProto = Object.getPrototypeOf(probe);
await probe.close();
for (const n of ['write', 'writev', 'writeFile', 'appendFile', 'sync', 'datasync']) wrapPromise(handleProto, n, undefined, noPath);

syncBuiltinESMExports();

process.on('exit', () => {
  if (countFile) originalWriteFileSync(countFile, String(calls));
});
