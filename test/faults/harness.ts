/**
 * Fault-injection harness: runs the real CLI in a child process with a write fault (the fs
 * shim, or a small filesystem), then checks what the run left. `SUNDER_TEST_CLI` points the
 * tests at another build (to show a fix's test failing without it).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { layoutOf } from '../../src/layout.js';

export const CLI = process.env.SUNDER_TEST_CLI ?? join(import.meta.dirname, '../../dist/cli/main.js');
export const SHIM = join(import.meta.dirname, 'fs-fault-shim.mjs');
/** A run longer than this is a hang (the sample ingests in under a second). */
export const HANG_MS = 20_000;

export interface CliResult {
  code: number | null;
  hung: boolean;
  stdout: string;
  stderr: string;
}

export interface Fault {
  /** The write call to fail (1-based). */
  at: number;
  code?: string;
  mode?: 'from' | 'once';
}

export function runCli(args: string[], options: { fault?: Fault; countFile?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...options.env };
  const execArgv: string[] = [];
  if (options.fault !== undefined || options.countFile !== undefined) {
    execArgv.push('--import', SHIM);
    if (options.fault !== undefined) {
      env.SUNDER_FAULT_AT = String(options.fault.at);
      env.SUNDER_FAULT_CODE = options.fault.code ?? 'ENOSPC';
      env.SUNDER_FAULT_MODE = options.fault.mode ?? 'from';
    }
    if (options.countFile !== undefined) env.SUNDER_FAULT_COUNT_FILE = options.countFile;
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...execArgv, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, HANG_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, hung, stdout, stderr });
    });
  });
}

/** How many write calls a clean run makes (the shim counts them). */
export async function countWrites(args: string[], countFile: string): Promise<{ writes: number; result: CliResult }> {
  const result = await runCli(args, { countFile });
  return { writes: Number(readFileSync(countFile, 'utf8')), result };
}

/**
 * Evenly spaced fault points over 1..total, every one when there are few: `max` bounds the
 * file's time (each point is two CLI runs).
 */
export function faultPoints(total: number, max: number): number[] {
  if (total <= max) return Array.from({ length: total }, (_, i) => i + 1);
  const out = new Set<number>([1, total]);
  for (let i = 1; out.size < max; i++) out.add(1 + Math.round(((total - 1) * i) / (max - 1)));
  return [...out].sort((a, b) => a - b);
}

/**
 * Record ids the outcome logs acknowledge as stored: what a caller was told is safe. A torn
 * last line (the disk filled mid-line) acknowledges nothing.
 */
export function acknowledged(dataDir: string): string[] {
  const runs = join(layoutOf({ dataDir }).runs);
  if (!existsSync(runs)) return [];
  const ids: string[] = [];
  for (const run of readdirSync(runs)) {
    const file = join(runs, run, 'outcomes.ndjson');
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      let o: { status?: string; recordId?: string };
      try {
        o = JSON.parse(line) as typeof o;
      } catch {
        continue;
      }
      if (o.status === 'stored' && o.recordId !== undefined) ids.push(o.recordId);
    }
  }
  return ids;
}

/** Record ids in the vault. */
export function storedIds(dataDir: string): string[] {
  const db = new Database(layoutOf({ dataDir }).vault, { readonly: true });
  try {
    return (db.prepare('SELECT record_id FROM records').all() as { record_id: string }[]).map((r) => r.record_id);
  } finally {
    db.close();
  }
}

/**
 * What is wrong with a store that should be clean (empty list: nothing): pending marks left,
 * objects on disk the vault does not name or the reverse, keys without subjects, temporaries.
 */
export function storeProblems(dataDir: string): string[] {
  const layout = layoutOf({ dataDir });
  const problems: string[] = [];
  const vault = new Database(layout.vault, { readonly: true });
  const keystore = new Database(layout.keystore, { readonly: true });
  try {
    const pending = (vault.prepare('SELECT count(*) n FROM pending').get() as { n: number }).n;
    if (pending > 0) problems.push(`${pending} pending marks`);
    const subjectKeys = new Set((vault.prepare('SELECT key_id FROM subjects').all() as { key_id: string }[]).map((r) => r.key_id));
    const keys = (keystore.prepare('SELECT key_id FROM subject_keys').all() as { key_id: string }[]).map((r) => r.key_id);
    const orphanKeys = keys.filter((k) => !subjectKeys.has(k)).length;
    if (orphanKeys > 0 || keys.length !== subjectKeys.size) problems.push(`keys ${keys.length} for ${subjectKeys.size} subjects`);
    const listed = (dir: string) => (existsSync(join(layout.objects, dir)) ? readdirSync(join(layout.objects, dir)).map((n) => `${dir}/${n}`).sort() : []);
    const segments = (vault.prepare('SELECT object_key FROM segments').all() as { object_key: string }[]).map((r) => r.object_key).sort();
    if (JSON.stringify(listed('segments')) !== JSON.stringify(segments)) problems.push('segments on disk differ from the vault');
    const media = (vault.prepare('SELECT object_id FROM media').all() as { object_id: string }[]).map((r) => `media/${r.object_id}`).sort();
    if (JSON.stringify(listed('media')) !== JSON.stringify(media)) problems.push('media on disk differ from the vault');
  } finally {
    vault.close();
    keystore.close();
  }
  return problems;
}

/** One line per failure kind, for the fault-matrix summary the tests print and assert. */
export interface Matrix {
  runs: number;
  hangs: number;
  /** Exit 0 or 1 (success) although a fault was injected and the run did not finish. */
  successAfterFailure: number;
  /** Exit 70, or a message that is not one line with a code. */
  internal: number;
  /** Acknowledged (stored) records missing after a clean re-run. */
  acknowledgedLost: number;
  /** Stores that re-opened with problems, or a re-run that failed. */
  unclean: number;
  /** Writer locks left behind after the process exited. */
  locksLeft: number;
}

export const emptyMatrix = (): Matrix => ({ runs: 0, hangs: 0, successAfterFailure: 0, internal: 0, acknowledgedLost: 0, unclean: 0, locksLeft: 0 });

/** A one-line error with a stable code: `sunder: ... (STORE_FULL)`. */
export const namedError = (stderr: string): boolean => /^sunder: .+ \([A-Z_]+\)$/m.test(stderr) && !/internal error|\n\s+at /.test(stderr);
