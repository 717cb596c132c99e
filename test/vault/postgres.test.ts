import { describe } from 'vitest';
import { PostgresVault } from '../../src/vault/postgres.js';
import { freshDatabase, pgSkipReason, pgTitle } from '../servers/postgres.js';
import { vaultConformance } from './conformance.js';
import { erasureConformance } from './erasure-conformance.js';

describe.skipIf(pgSkipReason !== undefined)(pgTitle('PostgreSQL vault'), () => {
  vaultConformance('postgres', async () => PostgresVault.open(await freshDatabase()));
  erasureConformance('postgres', async () => PostgresVault.open(await freshDatabase()));
});
