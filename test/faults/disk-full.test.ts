/**
 * Real full and read-only file systems (a small tmpfs mounted for the test), which also reach
 * SQLite's native writes that the fs shim cannot see. Needs root to mount; skips visibly
 * otherwise. Each case: a named error and exit 3, no hang, the writer lock released, and after
 * the space comes back a clean re-run keeps every acknowledged record.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';
import { WriterLock } from '../../src/pipeline/lock.js';
import { acknowledged, namedError, runCli, storedIds, storeProblems } from './harness.js';

const mounted: string[] = [];
const sh = (args: string[]) => spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });

function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  const r = sh(['mount', '-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  if (r.status !== 0) throw new Error(`mount failed: ${r.stderr}`);
  mounted.push(dir);
}
const remount = (dir: string, opts: string) => expect(sh(['mount', '-o', `remount,${opts}`, dir]).status).toBe(0);
function unmount(dir: string): void {
  sh(['umount', dir]);
  mounted.splice(mounted.indexOf(dir), 1);
}

/** Root, and a tmpfs mount works here (not in every container). */
function canMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  const probe = tempDir('sunder-mount-probe-');
  const r = sh(['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
  if (r.status !== 0) return `mount -t tmpfs fails here: ${r.stderr.trim()}`;
  sh(['umount', probe]);
  return undefined;
}

const why = canMount();
if (why !== undefined) console.warn(`disk-full tests skipped: ${why} (they need to mount a small tmpfs)`);

describe.skipIf(why !== undefined)('full and read-only file systems', () => {
  const work = tempDir('sunder-diskfull-');
  let baseline: string[] = [];
  afterAll(() => {
    for (const dir of [...mounted].reverse()) sh(['umount', dir]);
  });
  beforeAll(async () => {
    const data = join(work, 'baseline');
    const r = await runCli(['--data', data, 'ingest', SAMPLE_NDJSON]);
    expect(r.code, r.stderr).toBe(1);
    baseline = storedIds(data).sort();
  });

  /** After the space is back: the re-run finishes, every acknowledged record is there, the store is clean. */
  async function expectCleanRerun(data: string, acked: string[]): Promise<void> {
    const again = await runCli(['--data', data, 'ingest', SAMPLE_NDJSON]);
    expect(again.hung).toBe(false);
    expect(again.code, again.stderr).toBe(1);
    const stored = new Set(storedIds(data));
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    expect([...stored].sort()).toEqual(baseline);
    expect(storeProblems(data)).toEqual([]);
  }

  it('the data folder fills at several points of an ingest: exit 3 (STORE_FULL), nothing acknowledged lost', async () => {
    const seen = new Set<string>();
    for (const size of ['48k', '120k', '200k', '280k', '360k', '440k']) {
      const mnt = join(work, `full-${size}`);
      mountTmpfs(mnt, size);
      try {
        const data = join(mnt, 'data');
        const r = await runCli(['--data', data, 'ingest', SAMPLE_NDJSON]);
        expect(r.hung, size).toBe(false);
        expect(r.code, `${size}: ${r.stderr}`).toBe(3);
        expect(namedError(r.stderr), r.stderr).toBe(true);
        seen.add(/\(([A-Z_]+)\)$/m.exec(r.stderr)![1]!);
        expect(existsSync(join(data, 'writer.lock')), size).toBe(false);
        const acked = acknowledged(data);
        remount(mnt, 'size=64m');
        await expectCleanRerun(data, acked);
      } finally {
        unmount(mnt);
      }
    }
    expect([...seen].every((c) => c === 'STORE_FULL' || c === 'STORE_IO'), [...seen].join()).toBe(true);
  }, 240_000);

  it('the outcome log fills: the run ends (no hang), exit 3, the lock is released', async () => {
    for (const size of ['4k', '12k', '24k']) {
      const data = join(work, `log-${size}`);
      expect((await runCli(['--data', data, 'init'])).code).toBe(0);
      const runs = join(data, 'runs');
      mountTmpfs(runs, size);
      try {
        const r = await runCli(['--data', data, 'ingest', SAMPLE_NDJSON]);
        expect(r.hung, size).toBe(false);
        expect(r.code, `${size}: ${r.stderr}`).toBe(3);
        expect(r.stderr).toMatch(/\(STORE_FULL\)$/m);
        expect(existsSync(join(data, 'writer.lock'))).toBe(false);
        const acked = acknowledged(data);
        remount(runs, 'size=64m');
        await expectCleanRerun(data, acked);
      } finally {
        unmount(runs);
      }
    }
  }, 240_000);

  it('a full disk fails the writer lock with a named error, and the lock works once there is room', async () => {
    const mnt = join(work, 'lock-full');
    mountTmpfs(mnt, '64k');
    try {
      // Fill every data page: creating the lock file still works (an inode), writing the pid not.
      let n = 0;
      try {
        for (;;) writeFileSync(join(mnt, `fill-${n++}`), Buffer.alloc(4096));
      } catch {
        // full
      }
      expect(() => WriterLock.acquire(mnt)).toThrow(/writer lock/);
      for (let i = 0; i < n; i++) rmSync(join(mnt, `fill-${i}`), { force: true });
      WriterLock.acquire(mnt).release();
    } finally {
      unmount(mnt);
    }
  });

  it('a read-only store is called read-only, not corrupt', async () => {
    const mnt = join(work, 'ro');
    mountTmpfs(mnt, '16m');
    try {
      const data = join(mnt, 'data');
      expect((await runCli(['--data', data, 'ingest', SAMPLE_NDJSON])).code).toBe(1);
      remount(mnt, 'ro');
      const r = await runCli(['--data', data, 'ingest', SAMPLE_NDJSON]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/\(STORE_READ_ONLY\)$/m);
      expect(r.stderr).toContain(mnt);
      expect(r.stderr).not.toMatch(/STORE_CORRUPT|internal error/);
    } finally {
      unmount(mnt);
    }
  }, 120_000);

  it('an export whose disk fills leaves no plaintext behind, and succeeds once there is room', async () => {
    const data = join(work, 'baseline');
    const mnt = join(work, 'export-full');
    mountTmpfs(mnt, '64k');
    try {
      const out = join(mnt, 'out');
      const r = await runCli(['--data', data, 'export', '--out', out]);
      expect(r.hung).toBe(false);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/\(STORE_FULL\)$/m);
      expect(readdirSync(mnt)).toEqual([]);
      remount(mnt, 'size=64m');
      const ok = await runCli(['--data', data, 'export', '--out', out]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThan(0);
      expect(readdirSync(mnt)).toEqual(['out']);
    } finally {
      unmount(mnt);
    }
  }, 120_000);
});
