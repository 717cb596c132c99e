/**
 * Key-row MACs (FORMAT.md §8). Whoever can write the key store could otherwise replace a
 * subject's public key with their own, and every object ingest wrote for that subject afterwards
 * would open with the attacker's key. Each row carries
 *
 *   mac = HMAC-SHA256(rowMacKey, "sunder/v2 key row" || 0x00 || field_1 || ... || field_n)
 *
 * over every field, each as a 2-byte big-endian length then its bytes, under a key that the role
 * key files hold (ingest, officer, exporter) and the key store never does. Ingest checks it before
 * wrapping to a stored public key, readers before unwrapping a stored secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SunderError } from '../errors.js';

export const KEY_ROW_MAC_BYTES = 32;
const LABEL = Buffer.from('sunder/v2 key row\0', 'latin1');

/** The authenticated fields of a subject's key row. */
export interface KeyRowFields {
  keyId: string;
  publicKey: Uint8Array;
  wrappedOfficer: Uint8Array;
  wrappedExporter: Uint8Array;
  identityPublicKey: Uint8Array;
  identityWrappedOfficer: Uint8Array;
}

function field(h: ReturnType<typeof createHmac>, bytes: Uint8Array): void {
  const len = Buffer.allocUnsafe(2);
  len.writeUInt16BE(bytes.length, 0);
  h.update(len);
  h.update(bytes);
}

export function keyRowMac(rowMacKey: Uint8Array, row: KeyRowFields): Buffer {
  const h = createHmac('sha256', rowMacKey);
  h.update(LABEL);
  field(h, Buffer.from(row.keyId, 'latin1'));
  field(h, row.publicKey);
  field(h, row.wrappedOfficer);
  field(h, row.wrappedExporter);
  field(h, row.identityPublicKey);
  field(h, row.identityWrappedOfficer);
  return h.digest();
}

/** Throws KEYSTORE_TAMPERED unless `mac` is the row's MAC. Never says which subject (key id only in the path). */
export function verifyKeyRow(rowMacKey: Uint8Array, row: KeyRowFields, mac: Uint8Array | undefined): void {
  const ok = mac !== undefined && mac.length === KEY_ROW_MAC_BYTES && timingSafeEqual(keyRowMac(rowMacKey, row), mac);
  if (!ok) {
    throw new SunderError('KEYSTORE_TAMPERED', 'a key-store row fails its MAC: the key store was altered (a public key or wrapped key replaced, or a row forged); nothing was wrapped to or unwrapped from it', { path: ['subject_keys', 'mac'] });
  }
}
