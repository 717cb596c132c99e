/**
 * Hosts that open one brand-new database at the same moment: one initialises it, the others wait
 * for it and open the complete schema. Before the session lock around the check, a host that
 * looked between two of the first host's migrations saw a partial schema and was refused
 * STORE_VERSION (found by the four-host test in CI).
 */
import { describe, expect, it } from 'vitest';
import { PostgresKeyStore } from '../../src/keystore/postgres.js';
import { VAULT_MIGRATIONS } from '../../src/vault/postgres-migrations.js';
import { PostgresVault } from '../../src/vault/postgres.js';
import { freshDatabase, pgSkipReason, pgTitle, queryDb } from '../servers/postgres.js';

describe.skipIf(pgSkipReason !== undefined)(pgTitle('PostgreSQL schema initialisation by many hosts at once'), () => {
  it('eight vaults and eight key stores opened at once on a new database all open, each migration applied once', async () => {
    const url = await freshDatabase();
    const opened = await Promise.allSettled([
      ...Array.from({ length: 8 }, () => PostgresVault.open(url)),
      ...Array.from({ length: 8 }, () => PostgresKeyStore.open(url)),
    ]);
    const refused = opened.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
    expect(refused).toEqual([]);
    for (const o of opened) if (o.status === 'fulfilled') await o.value.close();
    const rows = await queryDb<{ version: number }>(url, 'SELECT version FROM sunder_vault.schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(VAULT_MIGRATIONS.map((m) => m.version));
  });
});
