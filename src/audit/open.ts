/**
 * The embedded default's audit log: `DATA/audit/audit.log`, keyed by `KEYS/audit.json`. The key
 * is created on first use only while the log is still empty: a new key beside an existing log
 * would make every entry in it fail to verify, so then a missing key is an error.
 */
import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { SunderError } from '../errors.js';
import { OPERATOR } from './entry.js';
import { auditKeyExists, createAuditKey, loadAuditKey } from './key.js';
import { AuditLog, type AuditLogOptions } from './log.js';

export function auditDirOf(dataDir: string): string {
  return join(dataDir, 'audit');
}

/**
 * Where the audit key is: the keys folder's `audit.json`, else the data folder's own `keys/`. The
 * key belongs to the data folder's log, not to a role: an exporter whose key file lives elsewhere
 * (`--keys DIR`) still appends to the log of the folder it reads, with that folder's audit key.
 */
export function auditKeysDirOf(layout: { dataDir: string; keysDir: string }): string {
  if (auditKeyExists(layout.keysDir)) return layout.keysDir;
  const own = join(layout.dataDir, 'keys');
  return auditKeyExists(own) ? own : layout.keysDir;
}

/** Creates `audit.json` if absent and no log has entries yet; returns true when it did. */
export async function ensureAuditKey(layout: { dataDir: string; keysDir: string }): Promise<boolean> {
  if (auditKeyExists(auditKeysDirOf(layout))) return false;
  const file = join(auditDirOf(layout.dataDir), 'audit.log');
  if (existsSync(file) && statSync(file).size > 0) {
    throw new SunderError('KEYS_MISSING', `no audit key in ${layout.keysDir}, but ${file} has entries; restore the audit.json it was written with`);
  }
  await createAuditKey(layout.keysDir);
  return true;
}

/**
 * Opens the data folder's audit log. With `create` (the default) the audit key, the folder, an
 * empty log and its sidecar are created when absent; without, nothing is written.
 */
export async function openAuditLog(layout: { dataDir: string; keysDir: string }, options: AuditLogOptions = {}): Promise<AuditLog> {
  if (options.create !== false) await ensureAuditKey(layout);
  return AuditLog.open(auditDirOf(layout.dataDir), await loadAuditKey(auditKeysDirOf(layout)), options);
}

/** For `sunder init`: the audit key and an empty log with its sidecar; true when the key was new. */
export async function initAudit(layout: { dataDir: string; keysDir: string }): Promise<boolean> {
  const created = await ensureAuditKey(layout);
  await openAuditLog(layout);
  return created;
}

/**
 * Who is acting: `--operator`, else `$SUNDER_OPERATOR`, else the login name when it is one
 * (no spaces, no `@`). Undefined when none fits: the entry still has the role.
 */
export function operatorName(flag?: string): string | undefined {
  const given = flag ?? process.env.SUNDER_OPERATOR;
  if (given !== undefined && given !== '') {
    if (!OPERATOR.test(given)) {
      throw new SunderError('CONFIG_INVALID', 'expected the operator (--operator or SUNDER_OPERATOR) to be a login name: letters, digits, . _ -; up to 64', { path: ['operator'] });
    }
    return given;
  }
  try {
    const login = userInfo().username;
    return OPERATOR.test(login) ? login : undefined;
  } catch {
    return undefined;
  }
}
