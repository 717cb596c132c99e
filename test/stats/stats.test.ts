/**
 * `sunder stats`: the counts agree with the vault's tables and the object files on disk, it
 * changes nothing in the data folder, and a folder never initialised is an error, not zeros.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { collectStats } from '../../src/stats/stats.js';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Every file under `dir` with its size and modification time. SQLite's shared-memory file and
 * an empty write-ahead log (a read-only connection, this test's own, leaves one) hold nothing.
 */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('-shm'))
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !(p.endsWith('-wal') && statSync(p).size === 0))
    .map((p) => `${p} ${statSync(p).size} ${statSync(p).mtimeMs}`)
    .sort();
}

describe('sunder stats', () => {
  it('reports what the vault and the object files hold, and writes nothing', async () => {
    const data = join(tempDir(), 'd');
    expect((await cli(['--data', data, 'ingest', SAMPLE_NDJSON])).code).toBe(1);
    const before = snapshot(data);
    const r = await cli(['--data', data, 'stats', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Awaited<ReturnType<typeof collectStats>>;
    const db = new Database(join(data, 'vault.db'), { readonly: true });
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(s.vault).toMatchObject({ driver: 'sqlite', subjects: one('SELECT count(*) n FROM subjects'), records: one('SELECT count(*) n FROM records') });
    const mediaBytes = one('SELECT coalesce(sum(bytes), 0) n FROM media');
    const media = one('SELECT count(*) n FROM media');
    db.close();
    expect(s.vault.records).toBeGreaterThan(100);
    const files = (p: string) => readdirSync(join(data, 'objects', p)).map((n) => statSync(join(data, 'objects', p, n)).size);
    expect(s.objects.byPrefix.segments).toEqual({ objects: files('segments').length, bytes: files('segments').reduce((a, b) => a + b, 0) });
    expect(s.objects.byPrefix.media!.objects).toBe(media);
    // Stored media are the stripped bytes plus the encryption's header and tags.
    expect(s.objects.byPrefix.media!.bytes).toBeGreaterThan(mediaBytes);
    expect(s.objects.objects).toBe(s.objects.byPrefix.segments!.objects + media);
    expect(s.keystore.bytes).toBeGreaterThan(0);
    expect(snapshot(data)).toEqual(before);

    const text = await cli(['--data', data, 'stats']);
    expect(text.stdout).toMatch(new RegExp(`^vault \\(sqlite\\): ${s.vault.subjects} subjects, ${s.vault.records} records`, 'm'));
  });

  it('a folder never initialised is FILE_NOT_FOUND and stays absent', async () => {
    const data = join(tempDir(), 'never');
    const r = await cli(['--data', data, 'stats']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no vault at .*\(FILE_NOT_FOUND\)$/m);
    expect(existsSync(data)).toBe(false);
    await expect(collectStats({ dataDir: data })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
