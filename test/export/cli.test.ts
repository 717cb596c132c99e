/** `sunder recipient`, `sunder export --recipient`, `sunder disclosures` as a person runs them. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { ingestLines, recordsOf } from './fixture.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const run = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('sunder recipient / export --recipient / disclosures', () => {
  const data = tempDir();
  const work = tempDir();
  beforeAll(async () => {
    await ingestLines(data, recordsOf([
      { region: '110101', birthDate: '1990-05-01', gender: 'female', crossBorder: true },
      { region: '310101', birthDate: '1980-05-01', gender: 'male' },
    ]));
  });

  it('registers and lists recipients, refusing a duplicate and a bad jurisdiction with exit 2', async () => {
    expect((await run(['--data', data, 'recipient', 'add', 'acme', '--jurisdiction', 'DE'])).code).toBe(0);
    const dup = await run(['--data', data, 'recipient', 'add', 'acme', '--jurisdiction', 'DE']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/RECIPIENT_EXISTS/);
    const bad = await run(['--data', data, 'recipient', 'add', 'globex', '--jurisdiction', 'Germany']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/RECIPIENT_INVALID/);
    const missing = await run(['--data', data, 'recipient', 'add', 'globex']);
    expect(missing.code).toBe(2);
    const list = await run(['--data', data, 'recipient', 'list', '--json']);
    expect(list.stdout.trim().split('\n').map((l) => JSON.parse(l))).toMatchObject([{ name: 'acme', jurisdiction: 'DE', ageRecipient: null }]);
  });

  it('refuses an unknown recipient and an export that names none, with exit 2 and no output', async () => {
    const unknown = await run(['--data', data, 'export', '--out', join(work, 'x'), '--recipient', 'initech']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/RECIPIENT_UNKNOWN/);
    const none = await run(['--data', data, 'export', '--out', join(work, 'y')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/RECIPIENT_REQUIRED/);
    expect(existsSync(join(work, 'x')) || existsSync(join(work, 'y'))).toBe(false);
  });

  it('exports for a recipient, says what it left out, and lists the disclosures', async () => {
    const r = await run(['--data', data, 'export', '--out', join(work, 'acme'), '--recipient', 'acme', '--scopes', 'voice,text', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(s).toMatchObject({ recipient: 'acme', jurisdiction: 'DE', crossBorder: true, records: 1, excluded: { CROSS_BORDER: 1 } });
    const human = await run(['--data', data, 'export', '--out', join(work, 'acme2'), '--recipient', 'acme', '--k', '1']);
    expect(human.stdout).toMatch(/for acme .*left out: CROSS_BORDER 1/);
    const d = await run(['--data', data, 'disclosures', '--recipient', 'acme', '--json']);
    const rows = d.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ recipient: 'acme', exportId: s.exportId });
    expect(rows[0].recipientPseudonym).toBe(rows[1].recipientPseudonym);
    const badK = await run(['--data', data, 'export', '--out', join(work, 'k'), '--recipient', 'acme', '--k', 'five']);
    expect(badK.code).toBe(2);
    const badG = await run(['--data', data, 'export', '--out', join(work, 'g'), '--recipient', 'acme', '--generalise', 'age=old']);
    expect(badG.code).toBe(2);
    expect(badG.stderr).toMatch(/CONFIG_INVALID/);
  });
});
