/**
 * Signed checkpoints of the audit log in the C2SP signed-note format
 * (https://c2sp.org/signed-note, body as in https://c2sp.org/tlog-checkpoint):
 *
 *     sunder-audit/<key fingerprint>
 *     <tree size: number of entries>
 *     <base64 RFC 6962 Merkle root of entries 1..size>
 *
 *     — sunder-audit/<key fingerprint> <base64(key hash[4] || ed25519 signature[64])>
 *
 * The third line is the Merkle tree head (src/audit/merkle.ts), so an entry can be proven
 * against the note with an inclusion proof, and a later log proven to extend it with a
 * consistency proof, by anyone holding the public key; existing tlog-checkpoint verifiers read
 * the note as it is. The point is that an auditor keeps the note somewhere the log's hosts
 * cannot reach: a log rewritten before it, even by someone holding the audit key, no longer
 * has that root at that size.
 *
 * Checkpoints written before the tree existed carry the chain head (the MAC of entry `size`)
 * on the third line; they parse the same, and `AuditLog.verify` accepts either (see there).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { SunderError } from '../errors.js';
import type { AuditKey } from './key.js';

export interface Checkpoint {
  origin: string;
  size: number;
  /** The 32 bytes of the third line: the Merkle root of entries 1..size (a legacy note: the chain head). */
  root: Buffer;
}

const ED25519 = 0x01;
const DASH = '\u2014';

export function originOf(key: Pick<AuditKey, 'fingerprint'>): string {
  return `sunder-audit/${key.fingerprint}`;
}

// node:crypto's native ed25519 (tweetnacl's verify takes ~10 ms here), keyed from the raw
// bytes in audit.json through the fixed DER prefixes of PKCS#8 and SPKI ed25519 keys.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const privateKeyOf = (secretKey: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secretKey.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
const publicKeyOf = (publicKey: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' });

/** The signed-note key hash: SHA-256(name || "\n" || 0x01 || public key), first 4 bytes. */
function keyHash(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256').update(name).update('\n').update(Buffer.from([ED25519])).update(publicKey).digest().subarray(0, 4);
}

/** Signs the tree head: `root` is the Merkle root of the first `size` entries. */
export function signCheckpoint(key: AuditKey, size: number, root: Uint8Array): string {
  if (root.length !== 32) throw new SunderError('INTERNAL', 'a checkpoint root is 32 bytes');
  const origin = originOf(key);
  const body = `${origin}\n${size}\n${Buffer.from(root).toString('base64')}\n`;
  const sig = sign(null, Buffer.from(body, 'utf8'), privateKeyOf(key.signSecretKey));
  return `${body}\n${DASH} ${origin} ${Buffer.concat([keyHash(origin, key.signPublicKey), Buffer.from(sig)]).toString('base64')}\n`;
}

/**
 * The notes of a file that holds several, one after another (an auditor appending each day's
 * checkpoint): a note ends at its last signature line, and the next begins with a line that is
 * neither a signature nor blank. Each piece is then opened on its own, so a damaged one fails.
 */
export function splitNotes(text: string): string[] {
  const notes: string[] = [];
  let current: string[] = [];
  let inSignatures = false;
  const lines = text.split('\n');
  const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
  for (const line of lines) {
    if (inSignatures && line !== '' && !line.startsWith('\u2014 ')) {
      notes.push(current.join('\n') + '\n');
      current = [];
      inSignatures = false;
    }
    if (line === '' && current.length > 0) inSignatures = true;
    current.push(line);
  }
  if (current.length > 0) notes.push(current.join('\n') + (trailing === undefined ? '' : '\n'));
  return notes.length === 0 ? [text] : notes;
}

const bad = (message: string) => new SunderError('AUDIT_CHECKPOINT_INVALID', message);

/** Parses and checks a signed checkpoint against the audit key's public half. */
export function openCheckpoint(note: string, key: Pick<AuditKey, 'signPublicKey' | 'fingerprint'>): Checkpoint {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw bad('not a signed note: expected a body, a blank line and signature lines');
  const body = note.slice(0, split + 1);
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('expected a checkpoint body of origin, size and root hash lines');
  const [origin, sizeText, rootB64] = lines as [string, string, string];
  if (origin !== originOf(key)) throw bad('the checkpoint names another audit key');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) throw bad('expected the checkpoint size as a decimal number');
  const root = Buffer.from(rootB64, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootB64) throw bad('expected the checkpoint root hash as 32 bytes of base64');
  const want = keyHash(origin, key.signPublicKey);
  // Every signature line must be well formed before any is trusted: nothing unsigned rides along.
  const sigs = note.slice(split + 2, -1).split('\n').map((line) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    const raw = m === null ? undefined : Buffer.from(m[2]!, 'base64');
    // Canonical base64 only: node's decoder ignores set padding bits, which would let a changed
    // note verify.
    if (m === null || raw!.toString('base64') !== m[2]) throw bad('malformed signature line');
    return { name: m[1]!, raw: raw! };
  });
  const mine = sigs.find((s) => s.name === origin && s.raw.length === 68 && s.raw.subarray(0, 4).equals(want));
  if (mine === undefined) throw bad('no signature by this audit key');
  if (!verify(null, Buffer.from(body, 'utf8'), publicKeyOf(key.signPublicKey), mine.raw.subarray(4))) throw bad('the checkpoint signature does not verify');
  return { origin, size: Number(sizeText), root };
}
