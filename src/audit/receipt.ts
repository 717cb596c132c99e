/**
 * Receipts: one audit entry with its inclusion proof and the signed checkpoint it is proven
 * against. A person can be handed one (an erasure's, say) and anyone holding the audit key's
 * public half can check it, without the log, the MAC key or anything else; it names the entry's
 * generated ids and counts, never personal data.
 */
import { canonicalJson } from './entry.js';
import { openCheckpoint } from './checkpoint.js';
import { fingerprintOf } from './key.js';
import type { AuditReceipt } from './log.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { openAuditLog } from './open.js';

export type { AuditReceipt } from './log.js';

/**
 * The receipt of entry `entryIndex` (its `seq`: 1-based, as `sunder audit prove` and `audit
 * list` number entries) against a checkpoint of the whole log, or of its first `size` entries.
 */
export async function auditReceipt(layout: { dataDir: string; keysDir: string }, entryIndex: number, options: { size?: number } = {}): Promise<AuditReceipt> {
  const log = await openAuditLog(layout, { create: false });
  return log.receipt(entryIndex, options);
}

export type ReceiptCheck = { ok: true } | { ok: false; problem: 'checkpoint' | 'shape' | 'proof'; message: string };

const canonicalB64 = (s: unknown): Buffer | undefined => {
  if (typeof s !== 'string') return undefined;
  const b = Buffer.from(s, 'base64');
  return b.length === 32 && b.toString('base64') === s ? b : undefined;
};

/**
 * Checks a receipt with the audit key's public half (32 raw bytes, or their base64): the
 * checkpoint's signature, that it is of the receipt's tree size, that the entry sits at its
 * leaf index, and the inclusion proof against the checkpoint's root.
 */
export function verifyReceipt(receipt: AuditReceipt, auditPublicKey: Uint8Array | string): ReceiptCheck {
  const signPublicKey = typeof auditPublicKey === 'string' ? new Uint8Array(Buffer.from(auditPublicKey, 'base64')) : auditPublicKey;
  if (signPublicKey.length !== 32) return { ok: false, problem: 'shape', message: 'expected the audit public key as 32 bytes' };
  let checkpoint;
  try {
    checkpoint = openCheckpoint(String(receipt?.checkpoint), { signPublicKey, fingerprint: fingerprintOf(signPublicKey) });
  } catch (err) {
    return { ok: false, problem: 'checkpoint', message: (err as Error).message };
  }
  const { entry, leafIndex, treeSize, inclusionProof } = receipt;
  if (treeSize !== checkpoint.size) return { ok: false, problem: 'shape', message: `the receipt says ${String(treeSize)} entries, its checkpoint ${checkpoint.size}` };
  if (entry === null || typeof entry !== 'object' || entry.seq !== leafIndex + 1) {
    return { ok: false, problem: 'shape', message: 'the entry is not the one at the receipt\'s leaf index' };
  }
  const proof = Array.isArray(inclusionProof) ? inclusionProof.map(canonicalB64) : [undefined];
  if (proof.some((h) => h === undefined)) return { ok: false, problem: 'shape', message: 'expected the inclusion proof as base64 hashes of 32 bytes' };
  let leaf: Buffer;
  try {
    leaf = leafHash(Buffer.from(canonicalJson(entry), 'utf8'));
  } catch {
    return { ok: false, problem: 'shape', message: 'the entry is not JSON' };
  }
  if (!verifyInclusion(leaf, leafIndex, treeSize, proof as Buffer[], checkpoint.root)) {
    return { ok: false, problem: 'proof', message: `the inclusion proof does not put this entry at ${leafIndex} in the checkpoint's tree` };
  }
  return { ok: true };
}
