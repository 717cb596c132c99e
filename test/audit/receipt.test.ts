/**
 * Receipts (one entry, its inclusion proof, the signed checkpoint) and `sunder audit prove`:
 * every receipt of a real log verifies with only the public key, at every size; every lie in a
 * receipt fails; a log rewritten with the key is caught by kept checkpoints, narrowed to the
 * entries between the last one that holds and the first that does not.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import nacl from 'tweetnacl';
import { describe, expect, it, vi } from 'vitest';
import { openCheckpoint, splitNotes } from '../../src/audit/checkpoint.js';
import type { AuditEntryInput } from '../../src/audit/entry.js';
import { createAuditKey, loadAuditKey } from '../../src/audit/key.js';
import { AuditLog } from '../../src/audit/log.js';
import { auditDirOf, initAudit } from '../../src/audit/open.js';
import { auditReceipt, verifyReceipt, type AuditReceipt } from '../../src/audit/receipt.js';
import { registerAuditProve } from '../../src/cli/commands/audit-prove.js';
import { registerAuditVerify } from '../../src/cli/commands/audit-verify.js';
import { registerAuditCheckpoint } from '../../src/cli/commands/audit-checkpoint.js';
import { isSunderError } from '../../src/errors.js';
import { layoutOf } from '../../src/layout.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir('sunder-receipt-');
let n = 0;
const SUBJECT = '0193a5b2c4d5e6f708192a3b4c5d6e7f';
const entry = (i: number): AuditEntryInput => ({ actor: { role: 'officer', operator: 'officer-7' }, action: 'erase', target: { subjects: [SUBJECT], requests: [`R-20261206-${String(i).padStart(6, '0')}`] }, outcome: 'ok', counts: { records: i } });

// One clock for a log and its forgeries, so a rebuilt log differs only where it was changed.
const CLOCK = { now: () => new Date('2026-12-06T10:00:00Z') };

async function data(count: number) {
  const dataDir = join(root, `d${++n}`);
  const layout = layoutOf({ dataDir });
  await initAudit(layout);
  const key = await loadAuditKey(layout.keysDir);
  const log = await AuditLog.open(auditDirOf(dataDir), key, CLOCK);
  for (let i = 1; i <= count; i++) await log.append(entry(i));
  return { dataDir, layout, key, log };
}

const flip = (b64: string, bit: number) => {
  const b = Buffer.from(b64, 'base64');
  b[bit >> 3]! ^= 1 << (bit & 7);
  return b.toString('base64');
};

describe('audit receipts', () => {
  it('every entry at every tree size verifies with the public key alone', async () => {
    const { layout, key } = await data(13);
    for (let size = 1; size <= 13; size++) {
      for (let seq = 1; seq <= size; seq++) {
        const r = await auditReceipt(layout, seq, { size });
        expect(r).toMatchObject({ leafIndex: seq - 1, treeSize: size, entry: { seq, action: 'erase' } });
        expect(verifyReceipt(r, key.signPublicKey), `${seq}/${size}`).toEqual({ ok: true });
      }
    }
    const latest = await auditReceipt(layout, 4);
    expect(latest.treeSize).toBe(13);
    expect(Object.keys(latest).sort()).toEqual(['checkpoint', 'entry', 'inclusionProof', 'leafIndex', 'treeSize']);
    expect(verifyReceipt(latest, Buffer.from(key.signPublicKey).toString('base64'))).toEqual({ ok: true });
    // The receipt's checkpoint is an ordinary one: the log verifies against it.
    expect((await (await AuditLog.open(auditDirOf(layout.dataDir), key)).verify({ against: latest.checkpoint })).ok).toBe(true);
  });

  it('fails every lie: the entry changed, the index or size moved, the proof mangled, another checkpoint or key', async () => {
    const { layout, key, dataDir } = await data(11);
    const r = await auditReceipt(layout, 6);
    const other = await data(11);
    const otherKey = (await createAuditKey(join(dataDir, 'other-keys'))).key;
    const r9 = await auditReceipt(layout, 6, { size: 9 });
    const lies: Record<string, AuditReceipt> = {
      'entry counts changed': { ...r, entry: { ...r.entry, counts: { records: 7 } } },
      'entry outcome changed': { ...r, entry: { ...r.entry, outcome: 'refused' } },
      'entry seq changed': { ...r, entry: { ...r.entry, seq: 7 } },
      'entry of another position': { ...r, entry: (await auditReceipt(layout, 7)).entry },
      'leaf index - 1': { ...r, leafIndex: 4 },
      'leaf index + 1': { ...r, leafIndex: 6, entry: { ...r.entry, seq: 7 } },
      'tree size doubled': { ...r, treeSize: 22 },
      'tree size halved': { ...r, treeSize: 5 },
      'checkpoint of another size': { ...r, checkpoint: r9.checkpoint },
      'checkpoint and size of another size': { ...r, checkpoint: r9.checkpoint, treeSize: 9 },
      'checkpoint of another log': { ...r, checkpoint: (await auditReceipt(other.layout, 6)).checkpoint },
      'checkpoint with garbage after': { ...r, checkpoint: r.checkpoint + 'x\n' },
      'checkpoint with garbage before': { ...r, checkpoint: 'x\n' + r.checkpoint },
      'empty proof': { ...r, inclusionProof: [] },
      'proof with garbage before': { ...r, inclusionProof: [Buffer.from(nacl.randomBytes(32)).toString('base64'), ...r.inclusionProof] },
      'proof with garbage after': { ...r, inclusionProof: [...r.inclusionProof, Buffer.from(nacl.randomBytes(32)).toString('base64')] },
      'proof not base64 hashes': { ...r, inclusionProof: r.inclusionProof.map((h) => h.slice(0, -4)) },
    };
    r.inclusionProof.forEach((_, i) => {
      lies[`proof element ${i} removed`] = { ...r, inclusionProof: r.inclusionProof.filter((_, j) => j !== i) };
      lies[`random element inserted at ${i}`] = { ...r, inclusionProof: [...r.inclusionProof.slice(0, i), Buffer.alloc(32, 9).toString('base64'), ...r.inclusionProof.slice(i)] };
      for (let bit = 0; bit < 256; bit++) lies[`element ${i} bit ${bit}`] = { ...r, inclusionProof: r.inclusionProof.map((h, j) => (j === i ? flip(h, bit) : h)) };
    });
    for (const [name, lie] of Object.entries(lies)) expect(verifyReceipt(lie, key.signPublicKey).ok, name).toBe(false);
    expect(verifyReceipt(r, otherKey.signPublicKey)).toMatchObject({ ok: false, problem: 'checkpoint' });
    expect(verifyReceipt(r, new Uint8Array(31))).toMatchObject({ ok: false, problem: 'shape' });
    expect(verifyReceipt(r, key.signPublicKey)).toEqual({ ok: true });
  });

  it('refuses an entry or size past the log, and a broken log', async () => {
    const { layout, log } = await data(3);
    for (const [seq, size] of [[0, undefined], [4, undefined], [3, 2], [1, 4], [1, 0], [1.5, undefined]] as const) {
      await expect(auditReceipt(layout, seq, size === undefined ? {} : { size })).rejects.toSatisfy((e: unknown) => isSunderError(e, 'AUDIT_ENTRY_NOT_FOUND'));
    }
    const lines = readFileSync(log.file, 'utf8').split('\n');
    writeFileSync(log.file, [lines[0], lines[2], lines[1], ''].join('\n'));
    await expect(auditReceipt(layout, 1)).rejects.toSatisfy((e: unknown) => isSunderError(e, 'AUDIT_TAMPERED'));
  });

  it('a file of kept checkpoints narrows a rewrite by the key holder to the entries between two of them', async () => {
    const { key, log, dataDir } = await data(3);
    let kept = await log.checkpoint();
    for (let i = 4; i <= 9; i++) {
      await log.append(entry(i));
      if (i === 6 || i === 9) kept += await log.checkpoint(); // as `sunder audit checkpoint >> kept.txt`
    }
    expect(splitNotes(kept).map((note) => openCheckpoint(note, key).size)).toEqual([3, 6, 9]);
    expect(await log.verify({ against: kept })).toMatchObject({ ok: true, verified: 9, checkpoint: { size: 9, proof: [] } });
    // Entry 5 changed, and the chain and sidecar rebuilt with the key: the chain alone holds.
    const forged = await AuditLog.open(join(dataDir, 'forged'), key, CLOCK);
    for (let i = 1; i <= 9; i++) await forged.append(i === 5 ? { ...entry(5), counts: { records: 0 } } : entry(i));
    copyFileSync(forged.file, log.file);
    copyFileSync(forged.headFile, log.headFile);
    expect((await log.verify()).ok).toBe(true);
    const report = await log.verify({ against: kept });
    expect(report).toMatchObject({ ok: false, problem: { kind: 'checkpoint', entry: 6, earliest: 4 } });
    expect(report.problem!.message).toMatch(/an entry from 4 to 6 was changed/);
    // Each note on its own: the one before the change still holds.
    expect((await log.verify({ against: splitNotes(kept)[0]! })).ok).toBe(true);
  });
});

describe('sunder audit prove', () => {
  async function inProcess(args: string[]) {
    const program = new Command('sunder').option('--data <dir>').option('--keys <dir>').exitOverride();
    for (const register of [registerAuditProve, registerAuditVerify, registerAuditCheckpoint]) register(program);
    let stdout = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
    try {
      await program.parseAsync(args, { from: 'user' });
      return { stdout, code: Number(process.exitCode ?? 0), error: undefined as unknown };
    } catch (error) {
      return { stdout, code: -1, error };
    } finally {
      out.mockRestore();
      process.exitCode = undefined;
    }
  }

  it('prints a receipt that verifies; --size proves against an older tree; the text form shows the proof and the note', async () => {
    const { dataDir, key } = await data(7);
    const json = await inProcess(['--data', dataDir, 'audit', 'prove', '3', '--json']);
    const receipt = JSON.parse(json.stdout) as AuditReceipt;
    expect(receipt).toMatchObject({ leafIndex: 2, treeSize: 7, entry: { seq: 3 } });
    expect(verifyReceipt(receipt, key.signPublicKey)).toEqual({ ok: true });
    const sized = JSON.parse((await inProcess(['--data', dataDir, 'audit', 'prove', '3', '--size', '4', '--json'])).stdout) as AuditReceipt;
    expect(sized.treeSize).toBe(4);
    expect(verifyReceipt(sized, key.signPublicKey)).toEqual({ ok: true });
    const text = (await inProcess(['--data', dataDir, 'audit', 'prove', '3'])).stdout;
    expect(text).toContain('entry 3 (leaf 2 of a tree of 7)');
    for (const h of receipt.inclusionProof) expect(text).toContain(`  ${h}\n`);
    expect(text.endsWith(receipt.checkpoint)).toBe(true);
    for (const bad of [['0'], ['8'], ['x'], ['3', '--size', '2'], ['3', '--size', '0']]) {
      const r = await inProcess(['--data', dataDir, 'audit', 'prove', ...bad]);
      expect(r.error, bad.join(' ')).toSatisfy((e: unknown) => isSunderError(e, 'AUDIT_ENTRY_NOT_FOUND') || isSunderError(e, 'CONFIG_INVALID'));
    }
  });

  it('through the built CLI: exit 0 and a receipt; 2 for an entry past the end; 3 for a broken log; verify --against exits 1 at a rewrite', async () => {
    const { dataDir, key, log } = await data(5);
    const run = async (args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, '../../dist/cli/main.js'), ...args], { encoding: 'utf8' });
        return { code: 0, stdout, stderr };
      } catch (e) {
        const x = e as { code: number; stdout: string; stderr: string };
        return { code: x.code, stdout: x.stdout, stderr: x.stderr };
      }
    };
    const ok = await run(['--data', dataDir, 'audit', 'prove', '5', '--json']);
    expect(ok.code).toBe(0);
    expect(verifyReceipt(JSON.parse(ok.stdout) as AuditReceipt, key.signPublicKey)).toEqual({ ok: true });
    const past = await run(['--data', dataDir, 'audit', 'prove', '6']);
    expect(past.code).toBe(2);
    expect(past.stderr.trim()).toMatch(/^sunder: expected an entry number from 1 to 5 \(AUDIT_ENTRY_NOT_FOUND\)$/);

    const cp = await run(['--data', dataDir, 'audit', 'checkpoint']);
    writeFileSync(join(dataDir, 'kept.txt'), cp.stdout);
    expect((await run(['--data', dataDir, 'audit', 'verify', '--against', join(dataDir, 'kept.txt')])).code).toBe(0);
    const forged = await AuditLog.open(join(dataDir, 'forged'), key, CLOCK);
    for (let i = 1; i <= 5; i++) await forged.append(i === 2 ? { ...entry(2), outcome: 'failed', code: 'STORE_IO' } : entry(i));
    copyFileSync(forged.file, log.file);
    copyFileSync(forged.headFile, log.headFile);
    const rewritten = await run(['--data', dataDir, 'audit', 'verify', '--against', join(dataDir, 'kept.txt')]);
    expect(rewritten.code).toBe(1);
    expect(rewritten.stderr).toMatch(/broken at entry 5 \(checkpoint\)/);

    writeFileSync(log.file, readFileSync(log.file, 'utf8').replace('"records":3', '"records":4'));
    const broken = await run(['--data', dataDir, 'audit', 'prove', '1']);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/broken at entry 3 \(mac\).*AUDIT_TAMPERED/);
  });
});
