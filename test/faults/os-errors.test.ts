/** The one errno/SQLite-code mapping, and the exit code each kind of failure gets. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { isSunderError, SunderError } from '../../src/errors.js';
import { isOsError, osError } from '../../src/os-errors.js';
import { tempDir } from '../helpers/tmp.js';

const errno = (code: string, path?: string) => Object.assign(new Error(`${code}: boom`), { code, syscall: 'write', ...(path === undefined ? {} : { path }) });

describe('osError', () => {
  it.each([
    ['ENOSPC', 'STORE_FULL'],
    ['EDQUOT', 'STORE_FULL'],
    ['EROFS', 'STORE_READ_ONLY'],
    ['EACCES', 'PERMISSION_DENIED'],
    ['EPERM', 'PERMISSION_DENIED'],
    ['EIO', 'STORE_IO'],
    ['ENOTDIR', 'PATH_NOT_DIRECTORY'],
    ['EISDIR', 'PATH_IS_DIRECTORY'],
    ['EMFILE', 'TOO_MANY_OPEN_FILES'],
    ['SQLITE_FULL', 'STORE_FULL'],
    ['SQLITE_READONLY', 'STORE_READ_ONLY'],
    ['SQLITE_READONLY_DBMOVED', 'STORE_READ_ONLY'],
    ['SQLITE_IOERR_WRITE', 'STORE_IO'],
    ['SQLITE_NOTADB', 'STORE_CORRUPT'],
  ])('%s becomes %s, naming the path and keeping the cause', (code, expected) => {
    const cause = errno(code);
    const err = osError(cause, { what: 'writing the outcome log', path: '/data/runs/r1/outcomes.ndjson' });
    expect(isSunderError(err)).toBe(true);
    expect((err as SunderError).code).toBe(expected);
    expect((err as SunderError).message).toContain('writing the outcome log');
    expect((err as SunderError).message).toContain('/data/runs/r1/outcomes.ndjson');
    expect((err as SunderError).message).toContain(`(${code})`);
    expect((err as SunderError).cause).toBe(cause);
    expect(exitCodeOf(err)).toBe(3);
  });

  it("prefers the error's own path, the exact file", () => {
    const err = osError(errno('ENOSPC', '/data/objects/media/x.tmp-1'), { path: '/data' }) as SunderError;
    expect(err.message).toMatch(/: \/data\/objects\/media\/x\.tmp-1: no space left on the device \(ENOSPC\)$/);
  });

  it('names a file in the way of a folder (mkdir -p over a file)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data'), '');
    const err = await mkdir(join(dir, 'data'), { recursive: true }).catch((e: unknown) => osError(e, { what: 'the data folder' }));
    expect((err as SunderError).code).toBe('PATH_NOT_DIRECTORY');
    expect(osError(Object.assign(new Error('EEXIST'), { code: 'EEXIST', syscall: 'open' }))).toBeInstanceOf(Error);
    expect(isOsError(Object.assign(new Error('EEXIST'), { code: 'EEXIST', syscall: 'open' }))).toBe(false);
  });

  it('passes a SunderError and a bug through unchanged', () => {
    const own = new SunderError('KEYS_WRONG', 'x');
    expect(osError(own)).toBe(own);
    const bug = new TypeError('undefined is not a function');
    expect(osError(bug)).toBe(bug);
    expect(isOsError(bug)).toBe(false);
    expect(exitCodeOf(bug)).toBe(70);
  });

  it('maps what real Node and SQLite calls throw', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const notDir = await writeFile(join(dir, 'file', 'child'), 'x').catch((e: unknown) => osError(e));
    expect((notDir as SunderError).code).toBe('PATH_NOT_DIRECTORY');
    mkdirSync(join(dir, 'folder'));
    const isDir = await writeFile(join(dir, 'folder'), 'x').catch((e: unknown) => osError(e));
    expect((isDir as SunderError).code).toBe('PATH_IS_DIRECTORY');
    const db = new Database(join(dir, 'ro.db'));
    db.exec('CREATE TABLE t (x)');
    db.close();
    const ro = new Database(join(dir, 'ro.db'), { readonly: true });
    let thrown: unknown;
    try {
      ro.exec('INSERT INTO t VALUES (1)');
    } catch (e) {
      thrown = e;
    } finally {
      ro.close();
    }
    expect((osError(thrown, { path: join(dir, 'ro.db') }) as SunderError).code).toBe('STORE_READ_ONLY');
  });
});

describe('exitCodeOf', () => {
  it('gives usage errors 2, data and store errors 3 (new codes included), help 0', () => {
    for (const code of ['CONFIG_INVALID', 'FILE_NOT_FOUND', 'KEYS_MISSING', 'KEYS_WRONG', 'OUTPUT_NOT_EMPTY'] as const) {
      expect(exitCodeOf(new SunderError(code, 'x'))).toBe(2);
    }
    for (const code of ['STORE_CORRUPT', 'STORE_FULL', 'FORMAT_TAG', 'MEDIA_MALFORMED'] as const) expect(exitCodeOf(new SunderError(code, 'x'))).toBe(3);
    expect(exitCodeOf(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(2);
    expect(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', 'x'))).toBe(0);
  });
});
