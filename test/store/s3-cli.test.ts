/**
 * `sunder ingest` and `sunder export` with `--store s3://…` on s3rver: the vault and key store stay
 * local, the objects go to the bucket, and the export is the same as with the file store.
 * Credentials and the endpoint reach the child through the standard AWS variables.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/store/s3.js';
import { readJsonl, SAMPLE_DIR, SAMPLE_NDJSON } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';
import { freshPrefix, s3ChildEnv, s3Target } from '../servers/s3-target.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const sunder = async (args: string[], env: Record<string, string> = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

/** An export with its per-export ids re-keyed away: pseudonyms by first appearance, media by content hash. */
function canonical(out: string): string[] {
  const pseudonyms = new Map<string, number>();
  return readJsonl<Record<string, unknown>>(join(out, 'manifest.jsonl')).map((line) => {
    const { id: _id, pseudonym, media, ...rest } = line as { id: string; pseudonym: string; media?: { id: string; file: string }[] };
    if (!pseudonyms.has(pseudonym)) pseudonyms.set(pseudonym, pseudonyms.size);
    const files = media?.map(({ id: _mid, file, ...m }) => ({ ...m, content: createHash('sha256').update(readFileSync(join(out, file))).digest('hex') }));
    return JSON.stringify({ ...rest, subject: pseudonyms.get(pseudonym), ...(files === undefined ? {} : { media: files }) });
  }).sort();
}

/** A slice of the sample, every record with media included, to keep this file fast. */
function sampleSlice(): string {
  const lines = readFileSync(SAMPLE_NDJSON, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const withMedia = lines.filter((l) => l.includes('"media"')).slice(0, 6);
  const picked = [...lines.slice(0, 20).filter((l) => !withMedia.includes(l)), ...withMedia];
  const file = join(tempDir(), 'slice.ndjson');
  writeFileSync(file, picked.join('\n') + '\n');
  return file;
}

describe('sunder with --store s3://', () => {
  const opened: S3ObjectStore[] = [];
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  it('ingests into the bucket and exports the same dataset as the file store', async () => {
    // The first ingest creates the role keys; the second uses the same ones.
    const keys = tempDir();
    const prefix = `${freshPrefix('cli')}/objects`;
    const url = `s3://${s3Target().bucket}/${prefix}`;

    const input = sampleSlice();
    const fileData = tempDir();
    const viaFile = await sunder(['--data', fileData, '--keys', keys, 'ingest', input, '--media-root', SAMPLE_DIR, '--json']);
    // Exit 1 when the slice has rejected records (README, exit codes), else 0.
    const exitFor = (r: { stdout: string }) => ((JSON.parse(r.stdout.trim().split('\n').pop()!) as { rejected: number }).rejected > 0 ? 1 : 0);
    expect(viaFile.code).toBe(exitFor(viaFile));
    const s3Data = tempDir();
    const viaS3 = await sunder(['--data', s3Data, '--keys', keys, 'ingest', '--store', url, input, '--media-root', SAMPLE_DIR, '--json'], s3ChildEnv());
    expect(viaS3.stderr).not.toMatch(/error/i);
    expect(viaS3.code).toBe(exitFor(viaS3));
    const summary = (r: { stdout: string }) => {
      const { elapsedMs: _e, runs: _r, outcomesFiles: _o, ...rest } = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      return rest;
    };
    expect(summary(viaS3)).toEqual(summary(viaFile));
    expect((summary(viaS3) as { stored: number }).stored).toBeGreaterThan(0);

    // Nothing was written locally; the bucket holds the segments and the media.
    expect(existsSync(join(s3Data, 'objects')) ? readdirSync(join(s3Data, 'objects')) : []).toEqual([]);
    const t = s3Target();
    const bucket = new S3ObjectStore({ bucket: t.bucket, prefix, endpoint: t.endpoint, region: t.region, ...(t.credentials === undefined ? {} : { credentials: t.credentials }) });
    opened.push(bucket);
    const inBucket = async (p: string) => {
      let n = 0;
      for await (const _ of bucket.list(p)) n++;
      return n;
    };
    expect(await inBucket('segments')).toBe(readdirSync(join(fileData, 'objects', 'segments')).length);
    expect(await inBucket('media')).toBe(readdirSync(join(fileData, 'objects', 'media')).length);

    const fileOut = join(tempDir(), 'out');
    expect((await sunder(['--data', fileData, '--keys', keys, 'export', '--out', fileOut])).code).toBe(0);
    const s3Out = join(tempDir(), 'out');
    // SUNDER_STORE instead of the flag, this time.
    const exp = await sunder(['--data', s3Data, '--keys', keys, 'export', '--out', s3Out, '--json'], { ...s3ChildEnv(), SUNDER_STORE: url });
    expect(exp.code).toBe(0);
    const files = canonical(fileOut);
    expect(files.length).toBeGreaterThan(0);
    expect(files.some((l) => l.includes('"media"'))).toBe(true);
    expect(canonical(s3Out)).toEqual(files);
  });

  it('reports a bad store URL in one line with CONFIG_INVALID and exit 2, before anything is created', async () => {
    const data = join(tempDir(), 'never-made');
    const r = await sunder(['--data', data, 'ingest', '--store', 's3://AKIAEXAMPLEKEYID:secretvalue@bucket/p', SAMPLE_NDJSON]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--store: credentials: .*\(CONFIG_INVALID\)/);
    expect(r.stderr).not.toContain('secretvalue');
    expect(r.stderr).not.toContain('AKIAEXAMPLEKEYID');
    expect(existsSync(data)).toBe(false);
  });

  it('reports refused S3 credentials as STORE_DENIED without printing them', async () => {
    const keys = tempDir();
    const env = { ...s3ChildEnv(), AWS_ACCESS_KEY_ID: 'AKIASUNDERCLIWRONG01', AWS_SECRET_ACCESS_KEY: 'cli-secret-never-printed' };
    const one = join(tempDir(), 'one.ndjson');
    writeFileSync(one, readFileSync(SAMPLE_NDJSON, 'utf8').split('\n')[0] + '\n');
    const r = await sunder(['--data', tempDir(), '--keys', keys, 'ingest', '--store', `s3://${s3Target().bucket}/${freshPrefix('denied')}`, one], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(STORE_DENIED\)/);
    expect(r.stdout + r.stderr).not.toContain('AKIASUNDERCLIWRONG01');
    expect(r.stdout + r.stderr).not.toContain('cli-secret-never-printed');
  });
});
