/** `sunder scan` behaviour through runScan (the CLI main file only wires arguments to it). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/cli/commands/scan.js';
import { isSunderError } from '../../src/errors.js';

const TEXT = '我叫王小明，手机13800138000，身份证11010519491231002X，邮箱john@example.com。\n';

async function run(opts: { json: boolean; mask: boolean; file?: string }): Promise<{ out: string; findings: number }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const r = await runScan({ ...opts, stdin: Readable.from([Buffer.from(TEXT.repeat(3))]), stdout });
  return { out, findings: r.findings };
}

describe('runScan', () => {
  it('--json: one line per finding, never the value', async () => {
    const { out, findings } = await run({ json: true, mask: false });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(findings).toBe(12);
    expect(lines).toHaveLength(12);
    expect(Object.keys(lines[0]!)).toEqual(['kind', 'start', 'end', 'score']);
    expect(out).not.toMatch(/13800138000|王小明|john/);
  });
  it('--mask: the masked text', async () => {
    const { out } = await run({ json: false, mask: true });
    expect(out).toBe('我叫[NAME]，手机[PHONE]，身份证[CN_ID]，邮箱[EMAIL]。\n'.repeat(3));
  });
  it('neither: a count per kind', async () => {
    const { out } = await run({ json: false, mask: false });
    expect(out).toBe('CN_ID\t3\nEMAIL\t3\nNAME\t3\nPHONE\t3\ntotal\t12\n');
  });
  it('reads a file, and reports a missing one by code without its path contents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sunder-scan-'));
    const file = join(dir, 'in.txt');
    writeFileSync(file, TEXT);
    expect((await run({ json: false, mask: false, file })).findings).toBe(4);
    await expect(run({ json: false, mask: false, file: join(dir, 'missing.txt') })).rejects.toSatisfy((e: unknown) => isSunderError(e, 'FILE_NOT_FOUND'));
  });
});
