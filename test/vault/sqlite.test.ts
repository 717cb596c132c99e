import { SqliteVault } from '../../src/vault/sqlite.js';
import { tempDir } from '../helpers/tmp.js';
import { vaultConformance } from './conformance.js';
import { erasureConformance } from './erasure-conformance.js';

const root = tempDir();
let n = 0;
vaultConformance('sqlite', async () => new SqliteVault(`${root}/vault-${n++}.db`));
erasureConformance('sqlite', async () => new SqliteVault(`${root}/erasure-${n++}.db`));
