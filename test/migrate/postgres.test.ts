/** `sunder migrate [--dry-run]` on PostgreSQL stores, and a store left behind by a migration refused until it runs. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { applyMigrations, openPool } from '../../src/postgres.js';
import { PostgresVault } from '../../src/vault/postgres.js';
import { VAULT_MIGRATIONS } from '../../src/vault/postgres-migrations.js';
import { tempDir } from '../helpers/tmp.js';
import { freshDatabase, pgSkipReason, pgTitle, queryDb } from '../servers/postgres.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const sunder = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe.skipIf(pgSkipReason !== undefined)(pgTitle('sunder migrate on PostgreSQL'), () => {
  it('--dry-run lists the migrations and changes nothing; migrate applies them once; a rerun has nothing to do', async () => {
    const vault = await freshDatabase();
    const keys = await freshDatabase();
    const data = tempDir();
    const dry = await sunder(['--data', data, '--vault', vault, '--keystore', keys, 'migrate', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual([
      { store: 'vault', applied: [], pending: VAULT_MIGRATIONS.map(({ version, name }) => ({ version, name })), dryRun: true },
      { store: 'keystore', applied: [], pending: [{ version: 1, name: 'key store format 2' }], dryRun: true },
    ]);
    expect(await queryDb(vault, "SELECT 1 FROM pg_namespace WHERE nspname = 'sunder_vault'")).toEqual([]);
    const real = await sunder(['--data', data, '--vault', vault, '--keystore', keys, 'migrate']);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/vault: applied 1 \(vault format 2\), 2 \(rights state and disclosure ledger\)/);
    expect((await queryDb<{ version: number }>(vault, 'SELECT version FROM sunder_vault.schema_migrations ORDER BY version')).map((r) => r.version)).toEqual(VAULT_MIGRATIONS.map((m) => m.version));
    expect((await queryDb<{ version: number }>(keys, 'SELECT version FROM sunder_keystore.schema_migrations')).map((r) => r.version)).toEqual([1]);
    const again = await sunder(['--data', data, '--vault', vault, '--keystore', keys, 'migrate']);
    expect(again.stdout).toBe(`vault: schema up to date (version ${VAULT_MIGRATIONS.length})\nkeystore: schema up to date (version 1)\n`);
  });

  it('refuses to open a vault whose schema is behind (STORE_VERSION) until migrate runs', async () => {
    const url = await freshDatabase();
    const pool = openPool(url, 'vault', 1);
    await applyMigrations(pool, 'vault', VAULT_MIGRATIONS.slice(0, 1));
    await pool.end();
    await expect(PostgresVault.open(url)).rejects.toMatchObject({ code: 'STORE_VERSION' });
    const r = await sunder(['--vault', url, 'migrate']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/vault: applied 2/);
    const v = await PostgresVault.open(url);
    expect(await v.listRecipients()).toEqual([]);
    await v.close();
  });
});
