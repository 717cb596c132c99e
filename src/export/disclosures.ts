/**
 * Reading the disclosure ledger: who received which subject's objects, under which recipient
 * pseudonyms and ids, in which delivery. Only finished exports are listed (the vault's rule).
 */
import { existsSync } from 'node:fs';
import { layoutOf } from '../layout.js';
import { SqliteVault } from '../vault/sqlite.js';
import type { DisclosureRow, ExportLedgerRow, Vault } from '../vault/vault.js';

export interface DisclosureQuery {
  recipient?: string;
  subjectId?: string;
  exportId?: string;
  dataDir?: string;
  keysDir?: string;
  vault?: Vault;
}

/** Each disclosure, oldest first, streamed; nothing when there is no vault yet. */
export async function* listDisclosures(q: DisclosureQuery = {}): AsyncIterable<DisclosureRow> {
  const layout = layoutOf(q);
  if (q.vault === undefined && !existsSync(layout.vault)) return;
  const vault = q.vault ?? new SqliteVault(layout.vault);
  try {
    yield* vault.disclosures({
      ...(q.recipient === undefined ? {} : { recipient: q.recipient }),
      ...(q.subjectId === undefined ? {} : { subjectId: q.subjectId }),
      ...(q.exportId === undefined ? {} : { exportId: q.exportId }),
    });
  } finally {
    if (q.vault === undefined) await vault.close();
  }
}

/** The finished exports (deliveries), optionally of one recipient. */
export async function listDeliveries(q: DisclosureQuery = {}): Promise<ExportLedgerRow[]> {
  const layout = layoutOf(q);
  if (q.vault === undefined && !existsSync(layout.vault)) return [];
  const vault = q.vault ?? new SqliteVault(layout.vault);
  try {
    return await vault.listExports(q.recipient === undefined ? {} : { recipient: q.recipient });
  } finally {
    if (q.vault === undefined) await vault.close();
  }
}
