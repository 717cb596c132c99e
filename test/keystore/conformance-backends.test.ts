import { describe } from 'vitest';
import { PostgresKeyStore } from '../../src/keystore/postgres.js';
import { SqliteKeyStore } from '../../src/keystore/sqlite.js';
import { freshDatabase, pgSkipReason, pgTitle } from '../servers/postgres.js';
import { tempDir } from '../helpers/tmp.js';
import { keyStoreConformance } from './conformance.js';

const root = tempDir();
let n = 0;
keyStoreConformance('sqlite', async () => new SqliteKeyStore(`${root}/keystore-${n++}.db`));

describe.skipIf(pgSkipReason !== undefined)(pgTitle('PostgreSQL key store'), () => {
  keyStoreConformance('postgres', async () => PostgresKeyStore.open(await freshDatabase()));
});
