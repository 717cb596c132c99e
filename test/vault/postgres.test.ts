import { describe } from 'vitest';
import { PostgresVault } from '../../src/vault/postgres.js';
import { freshDatabase, pgSkipReason, pgTitle } from '../servers/postgres.js';
import { vaultConformance } from './conformance.js';

describe.skipIf(pgSkipReason !== undefined)(pgTitle('PostgreSQL vault'), () => {
  vaultConformance('postgres', async () => PostgresVault.open(await freshDatabase()));
});
