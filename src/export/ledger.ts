/**
 * The export's side of the disclosure ledger: the export is begun before the first line, its
 * disclosures go in batches as lines are written, and it is finished only once the output is
 * in place (aborted otherwise, so a failed export is never listed as delivered).
 *
 * Beside each disclosed subject the ledger keeps the quasi-identifier tuples this recipient
 * was given for them (what the next export's k-anonymity check needs). They are sealed with
 * AES-256-GCM under a key derived from the exporter's secret key, bound to export and subject,
 * so the vault alone does not hand out anyone's age band, gender and province.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { SunderError } from '../errors.js';
import type { DisclosureRow, Vault } from '../vault/vault.js';

const BATCH = 1000;

export function ledgerQuasiKey(exporterSecretKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', exporterSecretKey, 'sunder/v1 ledger quasi', '', 32));
}

/** nonce (12) | ciphertext | tag (16), over the JSON list of tuple keys. */
export function sealQuasi(key: Uint8Array, exportId: string, subjectId: string, tupleKeys: readonly string[]): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(`ledger-quasi|${exportId}|${subjectId}`));
  const body = Buffer.concat([c.update(JSON.stringify(tupleKeys), 'utf8'), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]);
}

export function openQuasi(key: Uint8Array, exportId: string, subjectId: string, sealed: Uint8Array): string[] {
  const b = Buffer.from(sealed);
  try {
    const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
    d.setAAD(Buffer.from(`ledger-quasi|${exportId}|${subjectId}`));
    d.setAuthTag(b.subarray(b.length - 16));
    const plain = Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8');
    return JSON.parse(plain) as string[];
  } catch (err) {
    throw new SunderError('STORE_CORRUPT', 'a disclosure ledger entry does not open with this exporter key (altered, or another deployment\'s)', { path: ['disclosedQuasi'], cause: err });
  }
}

/** Every tuple key this recipient was given for each subject, from finished exports. */
export async function priorKnowledge(vault: Vault, recipient: string, key: Uint8Array, each: (subjectId: string, keys: string[]) => void): Promise<void> {
  for await (const row of vault.disclosedQuasi(recipient)) each(row.subjectId, openQuasi(key, row.exportId, row.subjectId, row.quasi));
}

export class LedgerWriter {
  private pending: DisclosureRow[] = [];
  /** Subject id -> tuple keys disclosed in this export (per subject, not per record). */
  private readonly tuples = new Map<string, Set<string>>();
  private begun = false;

  constructor(private readonly vault: Vault, readonly exportId: string, readonly recipient: string, private readonly quasiKey: Uint8Array) {}

  async begin(): Promise<void> {
    await this.vault.beginExport({ exportId: this.exportId, recipient: this.recipient, startedAt: new Date().toISOString() });
    this.begun = true;
  }

  async disclose(row: Omit<DisclosureRow, 'exportId' | 'recipient' | 'disclosedAt'>, tupleKey: string): Promise<void> {
    this.pending.push({ ...row, exportId: this.exportId, recipient: this.recipient, disclosedAt: new Date().toISOString() });
    let set = this.tuples.get(row.subjectId);
    if (set === undefined) this.tuples.set(row.subjectId, (set = new Set()));
    set.add(tupleKey);
    if (this.pending.length >= BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    await this.vault.addDisclosures(rows);
  }

  /** Writes what is left; call before the output is moved into place. */
  async complete(): Promise<void> {
    await this.flush();
    let batch: { exportId: string; recipient: string; subjectId: string; quasi: Uint8Array }[] = [];
    for (const [subjectId, keys] of this.tuples) {
      batch.push({ exportId: this.exportId, recipient: this.recipient, subjectId, quasi: sealQuasi(this.quasiKey, this.exportId, subjectId, [...keys].sort()) });
      if (batch.length >= BATCH) {
        await this.vault.addDisclosedQuasi(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.vault.addDisclosedQuasi(batch);
  }

  /** The smallest class of this export alone (subjects by the set of tuples they went out with). */
  smallestClass(): number {
    const sizes = new Map<string, number>();
    for (const keys of this.tuples.values()) {
      const c = [...keys].sort().join('\n');
      sizes.set(c, (sizes.get(c) ?? 0) + 1);
    }
    return sizes.size === 0 ? 0 : Math.min(...sizes.values());
  }

  /** Marks the export delivered: only once its output is in place. */
  async finish(result: { manifestSha256: string; records: number; media: number; summary: string }): Promise<void> {
    await this.vault.finishExport(this.exportId, result);
  }

  /** Removes what this export wrote to the ledger. Never throws: another error is on its way out. */
  async abort(): Promise<void> {
    if (!this.begun) return;
    await this.vault.abortExport(this.exportId).catch(() => undefined);
  }
}
