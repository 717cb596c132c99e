/**
 * The blind index behind an interface, so the key need not live on the ingest host. Whoever
 * holds the index key can sweep an identifier space: every mobile number in minutes, every
 * resident ID in hours (THREAT-MODEL.md, measured). A deployment that keeps the key in a KMS or
 * HSM implements `digest` as a call to it (an HMAC-SHA256 key that never leaves the device, e.g.
 * AWS KMS `GenerateMac` with HMAC_SHA_256, or PKCS#11 `CKM_SHA256_HMAC`): the host can then ask
 * for digests, at the device's rate limit and under its audit log, but cannot take the key away
 * and sweep offline.
 */
import { blindIndex, type IdentifierKind } from './hmac.js';

export interface BlindIndexer {
  /**
   * HMAC-SHA256(index key, kind || 0x00 || normalised), 32 bytes. Must equal {@link blindIndex}
   * for the same key: stored digests are compared with it.
   */
  digest(kind: IdentifierKind, normalised: string): Uint8Array;
}

/** The index key from ingest.json, in this process. */
export class LocalBlindIndexer implements BlindIndexer {
  constructor(private readonly indexKey: Uint8Array) {}

  digest(kind: IdentifierKind, normalised: string): Buffer {
    return blindIndex(this.indexKey, kind, normalised);
  }
}
