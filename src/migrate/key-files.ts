/**
 * Step 1 of `sunder migrate`: version 1 role key files gain the key-row MAC key (the same key in
 * all three) and become version 2. Each file is replaced atomically (temp file, rename), so a
 * run killed between files leaves some at version 2; the rerun takes the key from those.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { keyFilePath, ROLES, type Role } from '../crypto/keys.js';
import { SunderError } from '../errors.js';

type KeyJson = Record<string, unknown> & { version?: unknown; rowMacKey?: unknown };

async function readJson(keysDir: string, role: Role): Promise<KeyJson> {
  const file = keyFilePath(keysDir, role);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as KeyJson;
  } catch {
    throw new SunderError('KEYS_MISSING', `migration needs all three role key files in one folder; ${role}.json is missing or unreadable (pass --keys DIR)`);
  }
}

/** Returns how many files it upgraded; `step` is called after each (the kill test's hook). */
export async function upgradeKeyFiles(keysDir: string, step: () => void): Promise<number> {
  const files = new Map<Role, KeyJson>();
  for (const role of ROLES) files.set(role, await readJson(keysDir, role));
  const macKeys = new Set([...files.values()].filter((j) => j.version === 2).map((j) => String(j.rowMacKey)));
  if (macKeys.size > 1) throw new SunderError('KEYS_WRONG', 'the version 2 key files hold different key-row MAC keys: they are not from one store');
  const rowMacKey = macKeys.size === 1 ? [...macKeys][0]! : randomBytes(32).toString('base64');
  let upgraded = 0;
  for (const [role, json] of files) {
    if (json.version === 2) continue;
    if (json.version !== 1) throw new SunderError('KEYS_WRONG', `${role}.json is not a version 1 or 2 Sunder key file`);
    const path = keyFilePath(keysDir, role);
    const tmp = `${path}.migrate-${process.pid}`;
    await writeFile(tmp, JSON.stringify({ ...json, version: 2, rowMacKey }, null, 2) + '\n', { mode: 0o600, flag: 'w' });
    await rename(tmp, path);
    upgraded++;
    step();
  }
  return upgraded;
}
