/**
 * Where the embedded default keeps things. The vault, the key store and the objects are three
 * separate places so that each can be backed up, and erased from, on its own.
 */
import { join, resolve } from 'node:path';

/** @default "./sunder-data" */
export const DEFAULT_DATA_DIR = 'sunder-data';

export interface Layout {
  dataDir: string;
  keysDir: string;
  vault: string;
  keystore: string;
  objects: string;
  runs: string;
}

export function layoutOf(options: { dataDir?: string; keysDir?: string } = {}): Layout {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  return {
    dataDir,
    keysDir: resolve(options.keysDir ?? join(dataDir, 'keys')),
    vault: join(dataDir, 'vault.db'),
    keystore: join(dataDir, 'keystore.db'),
    objects: join(dataDir, 'objects'),
    runs: join(dataDir, 'runs'),
  };
}
