/**
 * The export's reading side: every record the vault lists, with its decision from the vault row
 * alone (selection), and, for rows that may go, its business object decrypted with the
 * exporter key under the context the row implies. Segments are read once per run of rows in
 * the same segment; subject keys are opened once per subject.
 */
import { businessContext } from '../crypto/contexts.js';
import { decryptObject, readHeader } from '../crypto/format.js';
import type { ReaderKeys } from '../crypto/keys.js';
import { SubjectKeyring } from '../crypto/subject-keys.js';
import { isSunderError, SunderError } from '../errors.js';
import type { KeyStore } from '../keystore/keystore.js';
import { readableFormat } from '../migrate/version.js';
import type { BusinessObject } from '../pipeline/seal.js';
import type { ObjectStore } from '../store/object-store.js';
import type { ExportRow, Vault } from '../vault/vault.js';
import { rowExclusion, type ExclusionCode, type Selection } from './select.js';

/**
 * FORMAT_CONTEXT from an object the vault row points at means the row and the object disagree
 * about whose it is (a pointer swapped or moved): reported as TAMPER_BINDING, apart from generic
 * corruption. `row` counts the export's rows, so the message holds no record id or value.
 */
export function bindingError(err: unknown, row: number): unknown {
  if (!isSunderError(err, 'FORMAT_CONTEXT')) return err;
  return new SunderError('TAMPER_BINDING', `export row ${row + 1}: the vault row points at an object sealed for another record, subject or project (the vault was altered); export stopped`,
    { path: ['records', row], cause: err });
}

function bound<T>(open: () => T, row: number): T {
  try {
    return open();
  } catch (err) {
    throw bindingError(err, row);
  }
}

export type Identity = ReturnType<SubjectKeyring['identity']>;

export type SourceItem =
  | { row: ExportRow; excluded: ExclusionCode }
  | { row: ExportRow; excluded?: undefined; obj: BusinessObject; identity: Identity };

export interface RecordSource {
  /** One pass over the vault's records (an export with a k-anonymity check makes two). */
  items(): AsyncIterable<SourceItem>;
}

/** Checks the key store's row MACs (format 2) once, then lists and decrypts on demand. */
export async function openRecordSource(
  vault: Vault, keystore: KeyStore, store: ObjectStore, keys: ReaderKeys, filter: { project?: string }, selection: Selection,
): Promise<RecordSource> {
  const keyring = new SubjectKeyring(keys);
  // Version 2: every key row's MAC is checked before its wrapped key is opened (KEYSTORE_TAMPERED).
  const checkedKeys = readableFormat(vault, keystore, keys);
  await checkedKeys?.checkRowMacKey();
  const wrappedFor = async (keyId: string): Promise<Uint8Array | undefined> =>
    checkedKeys !== undefined ? (await checkedKeys.row(keyId))?.wrappedExporter : (await keystore.rows([keyId])).get(keyId)?.wrappedExporter;
  return {
    async *items() {
      let segmentKey = '';
      let segment: Buffer | undefined;
      let n = 0;
      for await (const row of vault.listForExport(filter)) {
        const excluded = rowExclusion(row, selection);
        if (excluded !== undefined) {
          yield { row, excluded };
          continue;
        }
        // The key store is asked once per subject, not per record (measured: ~22 µs a lookup).
        let identity = keyring.cached(row.keyId);
        if (identity === undefined) {
          const wrapped = await wrappedFor(row.keyId);
          if (wrapped === undefined) {
            yield { row, excluded: 'KEY_SHREDDED' };
            continue;
          }
          identity = keyring.identity(row.keyId, wrapped);
        }
        if (row.segmentKey !== segmentKey) {
          const stream = await store.get(row.segmentKey);
          const parts: Buffer[] = [];
          for await (const c of stream) parts.push(c as Buffer);
          segment = Buffer.concat(parts);
          segmentKey = row.segmentKey;
        }
        if (segment === undefined || row.offset + row.length > segment.length) {
          throw new SunderError('STORE_CORRUPT', `segment ${row.segmentKey} is shorter than the vault says`);
        }
        const sealed = segment.subarray(row.offset, row.offset + row.length);
        // An object wrapped to another subject's key: the row was pointed at someone else's object.
        if (bound(() => readHeader(sealed), n).keyId !== row.keyId) throw bindingError(new SunderError('FORMAT_CONTEXT', 'key id differs'), n);
        // Opened with the context the vault row implies: an object that belongs to another record,
        // subject or project does not open (TAMPER_BINDING), whatever the row points at.
        const plain = bound(() => decryptObject(identity, sealed, {
          context: businessContext(row.binding, row.pseudonym, row.project, row.recordId), objectId: Buffer.from(row.objectId, 'base64url'),
        }), n);
        n++;
        yield { row, obj: JSON.parse(Buffer.from(plain).toString('utf8')) as BusinessObject, identity };
      }
    },
  };
}
