/**
 * Signed checkpoints: a kept checkpoint still verifies while the log only grows, and stops
 * verifying once history before it is rewritten, even by someone holding the audit key (who can
 * rebuild a valid chain and sidecar). Every damaged or lying checkpoint fails: each byte with a
 * bit flipped, garbage before or after, a line removed or inserted, the size off by one,
 * doubled or halved, a wrong or random head, another key's signature.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { openCheckpoint, signCheckpoint } from '../../src/audit/checkpoint.js';
import { EMPTY_ROOT, verifyConsistency } from '../../src/audit/merkle.js';
import type { AuditEntryInput } from '../../src/audit/entry.js';
import { createAuditKey, type AuditKey } from '../../src/audit/key.js';
import { AuditLog } from '../../src/audit/log.js';
import { isSunderError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir('sunder-checkpoint-');
let n = 0;
const SUBJECT = '0193a5b2c4d5e6f708192a3b4c5d6e7f';
const entry = (i: number): AuditEntryInput => ({ actor: { role: 'officer', operator: 'officer-7' }, action: 'erase', target: { subjects: [SUBJECT] }, outcome: 'ok', counts: { records: i } });

async function setup(count: number) {
  const dir = join(root, `c${++n}`);
  const key = (await createAuditKey(join(dir, 'keys'))).key;
  const clock = { now: () => new Date('2026-12-06T10:00:00Z') };
  const log = await AuditLog.open(join(dir, 'audit'), key, clock);
  for (let i = 1; i <= count; i++) await log.append(entry(i));
  return { dir, key, log, clock };
}

const fails = async (log: AuditLog, note: string): Promise<boolean> => {
  try {
    return !(await log.verify({ against: note })).ok;
  } catch (e) {
    return isSunderError(e, 'AUDIT_CHECKPOINT_INVALID');
  }
};

describe('audit checkpoints', () => {
  it('prints a C2SP signed note that verifies, and keeps verifying as the log grows', async () => {
    const { log, key } = await setup(4);
    const note = await log.checkpoint();
    const lines = note.split('\n');
    expect(lines[0]).toBe(`sunder-audit/${key.fingerprint}`);
    expect(lines[1]).toBe('4');
    expect(Buffer.from(lines[2]!, 'base64')).toHaveLength(32);
    expect(lines[3]).toBe('');
    expect(lines[4]).toMatch(new RegExp(`^\u2014 sunder-audit/${key.fingerprint} [A-Za-z0-9+/]+=*$`));
    expect(openCheckpoint(note, key)).toMatchObject({ size: 4 });
    // The native signature is plain ed25519: tweetnacl (the key pair's maker) accepts it.
    const raw = Buffer.from(lines[4]!.split(' ')[2]!, 'base64');
    expect(nacl.sign.detached.verify(Buffer.from(note.split('\n\n')[0] + '\n'), raw.subarray(4), key.signPublicKey)).toBe(true);
    expect(await log.verify({ against: note })).toEqual({ ok: true, verified: 4, acknowledged: 4, checkpoint: { size: 4, proof: [] } });
    await log.append(entry(5));
    expect(await log.verify({ against: note })).toMatchObject({ ok: true, verified: 5, acknowledged: 5, checkpoint: { size: 4 } });
    expect((await log.verify({ against: note })).checkpoint!.proof).toHaveLength(1); // 4 -> 5: entry 5's leaf; the root of 1..4 is the checkpoint's
    // An empty log has a checkpoint too.
    const empty = await setup(0);
    expect(await empty.log.verify({ against: await empty.log.checkpoint() })).toMatchObject({ ok: true, verified: 0 });
  });

  it('catches history rewritten by someone holding the audit key, at the checkpointed entry', async () => {
    const { dir, key, log, clock } = await setup(5);
    const note = await log.checkpoint();
    // Rebuild the log with the same key: entries 1-2 the same, 3 changed, 4-6 after it.
    const forged = await AuditLog.open(join(dir, 'forged'), key, clock);
    for (let i = 1; i <= 6; i++) await forged.append(i === 3 ? { ...entry(3), outcome: 'refused', code: 'REQUEST_INVALID' } : entry(i));
    copyFileSync(forged.file, log.file);
    copyFileSync(forged.headFile, log.headFile);
    expect(await log.verify()).toEqual({ ok: true, verified: 6, acknowledged: 6 }); // the chain alone cannot tell
    expect((await log.verify({ against: note })).problem).toMatchObject({ entry: 5, kind: 'checkpoint' });
  });

  it('catches a log cut back below the checkpoint together with its sidecar', async () => {
    const { dir, key, log, clock } = await setup(5);
    const note = await log.checkpoint();
    const shorter = await AuditLog.open(join(dir, 'short'), key, clock);
    for (let i = 1; i <= 3; i++) await shorter.append(entry(i));
    copyFileSync(shorter.file, log.file);
    copyFileSync(shorter.headFile, log.headFile);
    expect((await log.verify()).ok).toBe(true);
    expect((await log.verify({ against: note })).problem).toMatchObject({ entry: 4, kind: 'checkpoint' });
  });

  it('refuses to sign a checkpoint of a broken log', async () => {
    const { log } = await setup(3);
    writeFileSync(log.file, '');
    await expect(log.checkpoint()).rejects.toSatisfy((e: unknown) => isSunderError(e, 'AUDIT_TAMPERED'));
  });

  it('fails every checkpoint with one bit flipped, in any byte', async () => {
    const { log, key } = await setup(3);
    const note = Buffer.from(await log.checkpoint());
    for (let i = 0; i < note.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const bad = Buffer.from(note);
        bad[i] = bad[i]! ^ bit;
        let threw = false;
        try {
          openCheckpoint(bad.toString('utf8'), key);
        } catch (e) {
          threw = isSunderError(e, 'AUDIT_CHECKPOINT_INVALID');
        }
        expect(threw, `byte ${i} bit ${bit}`).toBe(true);
      }
    }
  });

  it('fails a signature whose base64 differs only in the unused padding bits (node decodes both alike)', async () => {
    const { log, key } = await setup(3);
    const note = await log.checkpoint();
    const sig = note.trimEnd().split(' ').pop()!; // 68 bytes: 92 chars, the last before '=' has 2 unused bits
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = sig.length - 2;
    const twin = sig.slice(0, last) + alphabet[alphabet.indexOf(sig[last]!) ^ 1] + sig.slice(last + 1);
    expect(Buffer.from(twin, 'base64')).toEqual(Buffer.from(sig, 'base64'));
    expect(() => openCheckpoint(note.replace(sig, twin), key)).toThrow(expect.objectContaining({ code: 'AUDIT_CHECKPOINT_INVALID' }));
  });

  it('fails garbage around the note, a line removed or inserted, and another key\'s signature', async () => {
    const { log } = await setup(3);
    const note = await log.checkpoint();
    const lines = note.split('\n');
    const other = await setup(3);
    const cases: Record<string, string> = {
      'garbage before': `x${note}`,
      'garbage after': `${note}x`,
      'garbage line after': `${note}junk\n`,
      'no trailing newline': note.slice(0, -1),
      'origin removed': lines.slice(1).join('\n'),
      'size removed': [lines[0], ...lines.slice(2)].join('\n'),
      'head removed': [...lines.slice(0, 2), ...lines.slice(3)].join('\n'),
      'signature removed': lines.slice(0, 4).join('\n') + '\n',
      'blank line removed': [...lines.slice(0, 3), ...lines.slice(4)].join('\n'),
      'line inserted in the body': [lines[0], lines[1], 'extra', ...lines.slice(2)].join('\n'),
      'another key signs': await other.log.checkpoint(),
      'another key signs this body': note.split('\n\n')[0] + '\n\n' + (await other.log.checkpoint()).split('\n\n')[1],
      empty: '',
    };
    for (const [name, text] of Object.entries(cases)) expect(await fails(log, text), name).toBe(true);
    // A second signature line by some other key is allowed by the format and ignored.
    const extra = `${note}\u2014 someone-else ${Buffer.alloc(68, 7).toString('base64')}\n`;
    expect((await log.verify({ against: extra })).ok).toBe(true);
  });

  it('fails well-signed checkpoints that lie: size off by one, doubled, halved; wrong, random or empty root', async () => {
    const { log, key } = await setup(6);
    const real = openCheckpoint(await log.checkpoint(), key);
    const signed = (size: number, root: Uint8Array) => signCheckpoint(key, size, root);
    const rootAt = async (size: number) => openCheckpoint((await log.receipt(1, { size })).checkpoint, key).root;
    const macOf = (i: number) => Buffer.from(log.macAt(i)!, 'base64url');
    const lies: Record<string, string> = {
      'size + 1': signed(7, real.root),
      'size - 1': signed(5, real.root),
      'size doubled': signed(12, real.root),
      'size halved': signed(3, real.root),
      'size 0': signed(0, real.root),
      'root of size 5': signed(6, await rootAt(5)),
      'root of size 1': signed(6, await rootAt(1)),
      'random root': signed(6, nacl.randomBytes(32)),
      'zero root': signed(6, Buffer.alloc(32)),
      'empty-tree root': signed(6, EMPTY_ROOT),
      'chain head of entry 5': signed(6, macOf(5)),
    };
    for (const [name, note] of Object.entries(lies)) expect(await fails(log, note), name).toBe(true);
    // A true older checkpoint holds, proven by a consistency proof from its size to today's.
    const older = await log.verify({ against: signed(3, await rootAt(3)) });
    expect(older).toMatchObject({ ok: true, verified: 6, checkpoint: { size: 3 } });
    expect(verifyConsistency(3, 6, older.checkpoint!.proof.map((h) => Buffer.from(h, 'base64')), await rootAt(3), real.root)).toBe(true);
    // A note from before the Merkle tree (the chain head on its third line) still verifies, marked legacy.
    expect(await log.verify({ against: signed(3, macOf(3)) })).toMatchObject({ ok: true, checkpoint: { size: 3, proof: [], legacy: true } });
  });

  it('sunder audit checkpoint and verify --against through the command files', async () => {
    const { dir, log } = await setup(2);
    mkdirSync(join(dir, 'kept'), { recursive: true });
    const { Command } = await import('commander');
    const { registerAuditCheckpoint } = await import('../../src/cli/commands/audit-checkpoint.js');
    const { registerAuditVerify } = await import('../../src/cli/commands/audit-verify.js');
    const { vi } = await import('vitest');
    const program = new Command('sunder').option('--data <dir>').option('--keys <dir>');
    registerAuditCheckpoint(program);
    registerAuditVerify(program);
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
    try {
      await program.parseAsync(['--data', dir, 'audit', 'checkpoint'], { from: 'user' });
      writeFileSync(join(dir, 'kept', 'cp.txt'), out);
      out = '';
      await program.parseAsync(['--data', dir, 'audit', 'verify', '--against', join(dir, 'kept', 'cp.txt'), '--json'], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    expect(JSON.parse(out)).toEqual({ ok: true, verified: 2, acknowledged: 2, checkpoint: { size: 2, proof: [] } });
    expect(openCheckpoint(await log.checkpoint(), (log as unknown as { key: AuditKey }).key).size).toBe(2);
  });
});
