/**
 * Where the export's leak check gets the index key. In order: an indexer the caller passes (a
 * KMS-backed one, blind-index.ts); `--index-key FILE` (any Sunder key file with an `indexKey`:
 * ingest.json, or an exporter.json made since the leak check); the exporter key file's own
 * `indexKey`; `ingest.json` beside it (one-host deployments, and key files from before). With
 * none, the export refuses: it cannot prove its output carries no subject's identifier.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { LocalBlindIndexer, type BlindIndexer } from '../crypto/blind-index.js';
import { assertPrivateFile, fromB64, keyFilePath, type ReaderKeys } from '../crypto/keys.js';
import { SunderError } from '../errors.js';

export interface IndexKeySource {
  indexer?: BlindIndexer;
  /** A key file holding `indexKey`. */
  indexKeyFile?: string;
}

async function indexKeyFrom(file: string): Promise<Uint8Array> {
  assertPrivateFile(file);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SunderError('KEYS_MISSING', `no index key file at ${file}`, { path: ['indexKey'] });
    throw new SunderError('KEYS_WRONG', `${file} is not a Sunder key file (not JSON)`, { path: ['indexKey'] });
  }
  return fromB64(json.indexKey, 'indexKey', file, 32);
}

export async function resolveIndexer(source: IndexKeySource, keysDir: string, exporter?: Pick<ReaderKeys, 'indexKey'>): Promise<BlindIndexer> {
  if (source.indexer !== undefined) return source.indexer;
  if (source.indexKeyFile !== undefined) return new LocalBlindIndexer(await indexKeyFrom(source.indexKeyFile));
  if (exporter?.indexKey !== undefined) return new LocalBlindIndexer(exporter.indexKey);
  const ingest = keyFilePath(keysDir, 'ingest');
  if (existsSync(ingest)) return new LocalBlindIndexer(await indexKeyFrom(ingest));
  throw new SunderError('KEYS_MISSING', `the export's leak check needs the index key: the exporter key file has none and there is no ${ingest}; pass --index-key FILE (a key file holding indexKey)`, { path: ['indexKey'] });
}
