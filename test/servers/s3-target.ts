/**
 * The S3 endpoint the tests use: s3rver started once by the global setup, or, with
 * SUNDER_TEST_S3_ENDPOINT set, any S3 endpoint (credentials then come from the AWS chain).
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { S3ObjectStore, type S3StoreOptions } from '../../src/store/s3.js';

export interface S3Target {
  endpoint: string;
  bucket: string;
  region: string;
  /** s3rver's fixed, public test credentials; absent for an external endpoint (use the AWS chain). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3Target;
  }
}

export function s3Target(): S3Target {
  return inject('s3');
}

/** A prefix no other test uses, so tests share the bucket without seeing each other's objects. */
export function freshPrefix(label: string): string {
  return `test-${label}-${randomBytes(6).toString('hex')}`;
}

/** A store on the test endpoint under a fresh prefix; `endpoint` may point at a fault proxy in front of it. */
export function s3TestStore(options: Partial<S3StoreOptions> = {}): S3ObjectStore {
  const t = s3Target();
  return new S3ObjectStore({
    bucket: t.bucket,
    region: t.region,
    endpoint: t.endpoint,
    prefix: freshPrefix('store'),
    ...(t.credentials === undefined ? {} : { credentials: t.credentials }),
    ...options,
  });
}

/** The environment a `sunder` child process needs to reach the test endpoint through the standard AWS chain. */
export function s3ChildEnv(): Record<string, string> {
  const t = s3Target();
  return {
    SUNDER_S3_ENDPOINT: t.endpoint,
    AWS_REGION: t.region,
    ...(t.credentials === undefined ? {} : { AWS_ACCESS_KEY_ID: t.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: t.credentials.secretAccessKey }),
  };
}
