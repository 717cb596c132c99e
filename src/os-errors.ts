/**
 * The one place an operating-system or SQLite error becomes a SunderError. A full disk, a
 * read-only mount or a denied permission is the operator's to fix, so it gets a stable code and
 * a message naming the path (a path is not personal data; file contents are, and are never
 * quoted). Errors that are not the OS's come back unchanged, so a real bug still surfaces as one.
 */
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { SunderError, type ErrorCode, isSunderError } from './errors.js';

interface Kind {
  code: ErrorCode;
  /** Completes "<what> at <path>: ...". */
  says: string;
}

const BY_ERRNO: Record<string, Kind> = {
  ENOSPC: { code: 'STORE_FULL', says: 'no space left on the device' },
  EDQUOT: { code: 'STORE_FULL', says: 'the disk quota is exhausted' },
  EFBIG: { code: 'STORE_FULL', says: 'the file grew past the size the file system allows' },
  EROFS: { code: 'STORE_READ_ONLY', says: 'the file system is read-only' },
  EACCES: { code: 'PERMISSION_DENIED', says: 'permission denied' },
  EPERM: { code: 'PERMISSION_DENIED', says: 'operation not permitted' },
  EIO: { code: 'STORE_IO', says: 'an input/output error (a failing disk or a lost network mount)' },
  ENXIO: { code: 'STORE_IO', says: 'the device is gone' },
  ESTALE: { code: 'STORE_IO', says: 'a stale network file handle' },
  ENOTDIR: { code: 'PATH_NOT_DIRECTORY', says: 'a part of the path is a file, not a folder' },
  EISDIR: { code: 'PATH_IS_DIRECTORY', says: 'the path is a folder, not a file' },
  ENOENT: { code: 'FILE_NOT_FOUND', says: 'the file or a folder on its path does not exist' },
  EMFILE: { code: 'TOO_MANY_OPEN_FILES', says: 'too many open files (raise `ulimit -n`)' },
  ENFILE: { code: 'TOO_MANY_OPEN_FILES', says: 'the system is out of file handles' },
};

/** SQLite extended result codes by prefix (better-sqlite3 sets `code` to e.g. SQLITE_IOERR_WRITE). */
const BY_SQLITE: [prefix: string, kind: Kind][] = [
  ['SQLITE_FULL', { code: 'STORE_FULL', says: 'no space left on the device' }],
  ['SQLITE_READONLY', { code: 'STORE_READ_ONLY', says: 'the database cannot be written (a read-only file, folder or mount)' }],
  ['SQLITE_IOERR', { code: 'STORE_IO', says: 'an input/output error (a failing disk, a full disk, or a lost network mount)' }],
  ['SQLITE_PERM', { code: 'PERMISSION_DENIED', says: 'permission denied' }],
  ['SQLITE_AUTH', { code: 'PERMISSION_DENIED', says: 'permission denied' }],
  ['SQLITE_CANTOPEN', { code: 'STORE_IO', says: 'the database file cannot be opened (missing folder, permissions, or a path that is a folder)' }],
  ['SQLITE_CORRUPT', { code: 'STORE_CORRUPT', says: 'the database is corrupt' }],
  ['SQLITE_NOTADB', { code: 'STORE_CORRUPT', says: 'the file is not a SQLite database' }],
];

/** `mkdir -p` over a file: the only EEXIST that is the operator's to fix, not a race of ours. */
const MKDIR_OVER_FILE: Kind = { code: 'PATH_NOT_DIRECTORY', says: 'a file is in the way of a folder' };

function kindOf(err: unknown): Kind | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'EEXIST') return (err as { syscall?: unknown }).syscall === 'mkdir' ? MKDIR_OVER_FILE : undefined;
  const errno = BY_ERRNO[code];
  if (errno !== undefined) return errno;
  return BY_SQLITE.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`))?.[1];
}

/** True for an error `osError` turns into a SunderError (an errno or SQLite code it knows). */
export function isOsError(err: unknown): boolean {
  return !isSunderError(err) && kindOf(err) !== undefined;
}

export interface OsErrorContext {
  /** What failed, for the message: "writing the outcome log". @default "the file" */
  what?: string;
  /** The path at fault when the error itself names none (a write on an open descriptor, SQLite). */
  path?: string;
}

/**
 * `err` as a SunderError when it is an OS or SQLite error; anything else (a SunderError
 * already, a bug) unchanged. The error's own path wins over `context.path`: it is the exact file.
 */
export function osError(err: unknown, context: OsErrorContext = {}): unknown {
  if (isSunderError(err)) return err;
  const kind = kindOf(err);
  if (kind === undefined) return err;
  const own = (err as { path?: unknown }).path;
  const path = typeof own === 'string' ? own : context.path;
  const what = context.what ?? 'the file';
  const errno = (err as { code: string }).code;
  // SQLite says only "cannot open"; on a read-only file system the folder says why.
  if (errno.startsWith('SQLITE_CANTOPEN') && path !== undefined && onReadOnlyFileSystem(path)) {
    return new SunderError('STORE_READ_ONLY', `${what}: ${path}: the file system is read-only (${errno})`, { cause: err });
  }
  return new SunderError(kind.code, `${what}: ${path === undefined ? '' : `${path}: `}${kind.says} (${errno})`, { cause: err });
}

/** Runs `fn`, turning an OS error it throws into a SunderError (see `osError`). */
export async function mappingOsErrors<T>(context: OsErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw osError(err, context);
  }
}

/** True when the folder holding `path` (or `path` itself) sits on a file system mounted read-only. */
function onReadOnlyFileSystem(path: string): boolean {
  for (const candidate of [path, dirname(path)]) {
    try {
      accessSync(candidate, constants.W_OK);
      return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EROFS') return true;
    }
  }
  return false;
}
