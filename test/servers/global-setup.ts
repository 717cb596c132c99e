/**
 * Starts the servers the suite needs, once per vitest run: s3rver on a random loopback port with
 * a temporary directory, so `npm test` needs nothing outside npm. With SUNDER_TEST_S3_ENDPOINT
 * set, no s3rver starts and the same tests run against that endpoint
 * (SUNDER_TEST_S3_BUCKET names the bucket, which must exist; AWS_REGION the region).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestProject } from 'vitest/node';
import type { S3Target } from './s3-target.js';

const BUCKET = 'sunder-test';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.SUNDER_TEST_S3_ENDPOINT;
  if (external) {
    const target: S3Target = { endpoint: external, bucket: process.env.SUNDER_TEST_S3_BUCKET ?? BUCKET, region: process.env.AWS_REGION ?? 'us-east-1' };
    project.provide('s3', target);
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sunder-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', join(import.meta.dirname, 's3rver-child.mjs'), dir, BUCKET], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // No fallback on failure: a server that cannot start fails the run rather than skipping S3 silently.
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited before listening (exit ${code})`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  const target: S3Target = {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: BUCKET,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
  project.provide('s3', target);
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin!.end();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
}
