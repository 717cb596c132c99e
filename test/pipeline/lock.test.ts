/**
 * One writer per data folder, held by the operating system: never two holders however the
 * attempts race (across processes and within one), and a `kill -9`ed holder's lock is free at
 * once. Regression: the pid file could be read half written, or name a pid reused since.
 */
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { LOCK_FILE, WriterLock } from '../../src/pipeline/lock.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = join(import.meta.dirname, 'lock-child.ts');

function child(args: string[]): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>; kill: () => void; firstLine: Promise<string> } {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let line: (l: string) => void;
  const firstLine = new Promise<string>((r) => (line = r));
  p.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('\n')) line(stdout.split('\n')[0]!);
  });
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((r) =>
    p.on('exit', (code, signal) => r({ code, signal, stdout, stderr })));
  return { done, kill: () => p.kill('SIGKILL'), firstLine };
}

describe('writer lock', () => {
  it('refuses a second Ingestor on the same folder in the same process, and lets the next one in after close', async () => {
    const dataDir = tempDir();
    const first = await Ingestor.open({ dataDir, workers: 0 });
    await expect(Ingestor.open({ dataDir, workers: 0 })).rejects.toMatchObject({ code: 'WRITER_LOCKED' });
    expect(() => WriterLock.acquire(dataDir)).toThrow(expect.objectContaining({ code: 'WRITER_LOCKED' }));
    await first.close();
    const second = await Ingestor.open({ dataDir, workers: 0 });
    await second.close();
  });

  it('never has two holders in 1,000 attempts raced by four processes', async () => {
    const dataDir = tempDir();
    const startAt = Date.now() + 1_500; // about when every child has loaded; a late one joins the race as it arrives
    const children = Array.from({ length: 4 }, () => child(['race', dataDir, '250', String(startAt)]));
    const results = await Promise.all(children.map((c) => c.done));
    const counts = results.map((r) => {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as { acquired: number; refused: number; doubleAcrossProcesses: number; doubleInProcess: number };
    });
    const sum = (k: keyof (typeof counts)[number]) => counts.reduce((n, c) => n + c[k], 0);
    expect(sum('acquired') + sum('refused')).toBe(1_000);
    expect(sum('doubleAcrossProcesses')).toBe(0);
    expect(sum('doubleInProcess')).toBe(0);
    // The attempts did race: some were refused because another process held the lock.
    expect(sum('refused')).toBeGreaterThan(0);
    expect(sum('acquired')).toBeGreaterThan(0);
  });

  it('is free at once after the holder is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const holder = child(['hold', dataDir]);
    expect(await holder.firstLine).toBe('held');
    await expect(Ingestor.open({ dataDir, workers: 0 })).rejects.toMatchObject({ code: 'WRITER_LOCKED' });
    holder.kill();
    expect((await holder.done).signal).toBe('SIGKILL');
    // No retry, no stale-lock timeout: the kernel dropped the dead process's lock.
    const next = await Ingestor.open({ dataDir, workers: 0 });
    await next.close();
  });

  it('trusts nothing written in the lock file: a file that is not its lock database is refused as corrupt', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, LOCK_FILE), '12345');
    expect(() => WriterLock.acquire(dataDir)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
  });

  it('creates the lock file 0600', () => {
    const dataDir = tempDir();
    WriterLock.acquire(dataDir).release();
    expect(statSync(join(dataDir, LOCK_FILE)).mode & 0o777).toBe(0o600);
  });
});
