/**
 * The recipient registry: the customers exports go to. A recipient is a name, the country it
 * is in (which decides whether an export to it crosses a border) and optionally the age
 * recipient its exports are sealed to. It holds no secret: its id key is derived (recipient-ids.ts).
 */
import { existsSync } from 'node:fs';
import { SunderError } from '../errors.js';
import { layoutOf } from '../layout.js';
import { SqliteVault } from '../vault/sqlite.js';
import type { RecipientRow, Vault } from '../vault/vault.js';

/** A recipient name: a label, like project names (it goes into audit entries and the ledger). */
export const RECIPIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const JURISDICTION = /^[A-Z]{2}$/;
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

export interface RecipientInput {
  name: string;
  jurisdiction: string;
  ageRecipient?: string;
}

export interface RegistryOptions {
  dataDir?: string;
  keysDir?: string;
  vault?: Vault;
}

/** Checks a recipient's fields (RECIPIENT_INVALID, naming the field, never echoing it). */
export function checkRecipient(r: RecipientInput): void {
  if (!RECIPIENT_NAME.test(r.name)) {
    throw new SunderError('RECIPIENT_INVALID', 'a recipient name is 1-64 letters, digits and `. _ : -`, starting with a letter or digit', { path: ['name'] });
  }
  if (!JURISDICTION.test(r.jurisdiction)) {
    throw new SunderError('RECIPIENT_INVALID', 'a jurisdiction is an ISO 3166-1 alpha-2 code in capitals (CN, DE, US)', { path: ['jurisdiction'] });
  }
  if (r.ageRecipient !== undefined && !AGE_RECIPIENT.test(r.ageRecipient)) {
    throw new SunderError('RECIPIENT_INVALID', 'an age recipient is an `age1…` X25519 recipient (62 characters)', { path: ['ageRecipient'] });
  }
}

async function withVault<T>(options: RegistryOptions, create: boolean, run: (v: Vault) => Promise<T>): Promise<T> {
  if (options.vault !== undefined) return run(options.vault);
  const layout = layoutOf(options);
  if (!existsSync(layout.vault) && !(create && existsSync(layout.dataDir))) {
    throw new SunderError('FILE_NOT_FOUND', `no vault at ${layout.vault}; run \`sunder init\` or pass --data DIR`);
  }
  const vault = new SqliteVault(layout.vault);
  try {
    return await run(vault);
  } finally {
    await vault.close();
  }
}

export async function addRecipient(r: RecipientInput, options: RegistryOptions = {}): Promise<RecipientRow> {
  checkRecipient(r);
  const row: RecipientRow = { name: r.name, jurisdiction: r.jurisdiction, ageRecipient: r.ageRecipient ?? null, createdAt: new Date().toISOString() };
  await withVault(options, true, (v) => v.addRecipient(row));
  return row;
}

export async function listRecipients(options: RegistryOptions = {}): Promise<RecipientRow[]> {
  return withVault(options, false, (v) => v.listRecipients());
}

/**
 * The recipient an export goes to. A named one must be registered (RECIPIENT_UNKNOWN). None
 * named is allowed only while no recipient is registered at all (an ad hoc export, the one
 * behaviour before the registry): once customers are registered, every export names one, so
 * none goes out unrecorded under a key nobody can reproduce.
 */
export async function resolveRecipient(vault: Vault, name: string | undefined): Promise<RecipientRow | undefined> {
  if (name === undefined) {
    if ((await vault.listRecipients()).length > 0) {
      throw new SunderError('RECIPIENT_REQUIRED', 'recipients are registered: name the one this export goes to (--recipient NAME; `sunder recipient list`)', { path: ['recipient'] });
    }
    return undefined;
  }
  if (!RECIPIENT_NAME.test(name)) throw new SunderError('RECIPIENT_UNKNOWN', 'no recipient of that name is registered (`sunder recipient list`)', { path: ['recipient'] });
  const row = await vault.recipient(name);
  if (row === undefined) throw new SunderError('RECIPIENT_UNKNOWN', 'no recipient of that name is registered (`sunder recipient list`)', { path: ['recipient'] });
  return row;
}
