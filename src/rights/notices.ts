/**
 * Erasure notices: one per recipient that received an erased subject's data, listing only what
 * that recipient knows them by (its own pseudonyms and object ids, from the disclosure ledger),
 * so the notice can be sent as it is and names the person to no one else.
 * Written to `DATA/rights/notices/<erasure or purge id>/<recipient>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DisclosureRow, Vault } from '../vault/vault.js';

export interface ErasureNotice {
  sunder: 'erasure-notice';
  /** The erasure (or purge) this notice is for. */
  erasureId: string;
  recipient: string;
  erasedAt: string;
  /** Why: `erasure` (a request), `retention` (the retention period ended). */
  reason: 'erasure' | 'retention';
  requestId?: string;
  /** The recipient's own pseudonyms of the erased people. */
  pseudonyms: string[];
  /** The recipient's own object ids to delete, with the export each came in. */
  objects: { objectId: string; exportId: string; disclosedAt: string }[];
}

/** Groups disclosures by recipient into notices (recipients in name order, ids sorted). */
export function noticesOf(rows: DisclosureRow[], base: Omit<ErasureNotice, 'sunder' | 'recipient' | 'pseudonyms' | 'objects'>): ErasureNotice[] {
  const by = new Map<string, DisclosureRow[]>();
  for (const d of rows) {
    const list = by.get(d.recipient);
    if (list === undefined) by.set(d.recipient, [d]);
    else list.push(d);
  }
  return [...by.keys()].sort().map((recipient) => {
    const list = by.get(recipient)!;
    return {
      sunder: 'erasure-notice', ...base, recipient,
      pseudonyms: [...new Set(list.map((d) => d.recipientPseudonym))].sort(),
      objects: list.map((d) => ({ objectId: d.objectId, exportId: d.exportId, disclosedAt: d.disclosedAt })).sort((a, b) => (a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0)),
    };
  });
}

/** Every disclosure of these subjects (optionally only of these records). */
export async function disclosuresOf(vault: Vault, subjectIds: string[], recordIds?: Set<string>): Promise<DisclosureRow[]> {
  const out: DisclosureRow[] = [];
  for (const subjectId of subjectIds) {
    for await (const d of vault.disclosures({ subjectId })) if (recordIds === undefined || recordIds.has(d.recordId)) out.push(d);
  }
  return out;
}

/** A recipient name as a file name: its label characters, anything else escaped. */
function fileNameOf(recipient: string): string {
  return `${recipient.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}.json`;
}

export function noticesDirOf(dataDir: string, erasureId: string): string {
  return join(dataDir, 'rights', 'notices', erasureId);
}

/** Writes the notices; returns their paths. */
export function writeNotices(dataDir: string, erasureId: string, notices: ErasureNotice[]): string[] {
  if (notices.length === 0) return [];
  const dir = noticesDirOf(dataDir, erasureId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return notices.map((n) => {
    const path = join(dir, fileNameOf(n.recipient));
    writeFileSync(path, JSON.stringify(n, null, 2) + '\n', { mode: 0o600 });
    return path;
  });
}
