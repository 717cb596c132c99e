/**
 * One error class for the whole library. `code` is stable and documented; `path` names the
 * field at fault. Messages never carry a value from the input: personal data must not reach
 * a log line, so callers pass descriptions ("expected 18 digits"), never the offending text.
 */
export type ErrorCode =
  // configuration and environment
  | 'CONFIG_INVALID'
  | 'FILE_NOT_FOUND'
  | 'KEYS_MISSING'
  | 'KEYS_WRONG'
  /** A key file is readable or writable by group or others. */
  | 'KEYS_PERMISSIONS'
  /** Another writer (Ingestor) holds the data directory. */
  | 'WRITER_LOCKED'
  /** The data directory has some of its parts but not all: named, never recreated silently. */
  | 'DATA_INCOMPLETE'
  | 'STORE_CORRUPT'
  | 'OUTPUT_NOT_EMPTY'
  // the operating system refused a read or write (src/os-errors.ts maps errno codes to these)
  | 'STORE_FULL'
  | 'STORE_READ_ONLY'
  | 'STORE_IO'
  | 'PERMISSION_DENIED'
  | 'PATH_NOT_DIRECTORY'
  | 'PATH_IS_DIRECTORY'
  | 'TOO_MANY_OPEN_FILES'
  // a remote object store (S3): after the SDK's retries, refused credentials, a refused request
  | 'STORE_UNAVAILABLE'
  | 'STORE_DENIED'
  | 'STORE_REJECTED'
  | 'DIR_UNUSABLE'
  // input
  | 'INPUT_ENCODING'
  // a version 1 store or key file where version 2 is needed: run `sunder migrate`
  | 'STORE_VERSION'
  // tamper evidence (format 2): a key-store row fails its MAC; a vault row points at an object
  // sealed for another record, subject or project
  | 'KEYSTORE_TAMPERED'
  | 'TAMPER_BINDING'
  // crypto format
  | 'FORMAT_VERSION'
  | 'FORMAT_HEADER'
  | 'FORMAT_COMMITMENT'
  | 'FORMAT_TAG'
  | 'FORMAT_TRUNCATED'
  | 'FORMAT_TRAILING'
  | 'FORMAT_CONTEXT'
  // media
  | 'MEDIA_UNKNOWN_FORMAT'
  | 'MEDIA_MALFORMED'
  | 'MEDIA_TRUNCATED'
  | 'MEDIA_UNSUPPORTED'
  | 'MEDIA_VERIFY_FAILED'
  | 'MEDIA_TOOL_FAILED'
  | 'MEDIA_TIMEOUT'
  | 'MEDIA_NOT_FOUND'
  // audit log and rights requests
  | 'AUDIT_ENTRY_INVALID'
  | 'AUDIT_TAMPERED'
  | 'AUDIT_CHECKPOINT_INVALID'
  | 'AUDIT_LOCKED'
  /** `audit prove`: no such entry, or a tree size past the log's end. */
  | 'AUDIT_ENTRY_NOT_FOUND'
  /** `incident affected --export`: the export is not in the disclosure ledger. */
  | 'INCIDENT_NOT_FOUND'
  | 'REQUEST_INVALID'
  | 'REQUEST_NOT_FOUND'
  | 'MEDIA_NOT_REGULAR'
  | 'MEDIA_TOO_LARGE'
  | 'MEDIA_TOO_MANY_PIXELS'
  /** PostgreSQL: another host committed the same new subject or record first; the batch is prepared again. */
  | 'VAULT_CONFLICT'
  /** PostgreSQL: this run's pending marks were cleared by another host's recovery (its session was lost). */
  | 'VAULT_FENCED'
  // recipients and the disclosure ledger
  | 'RECIPIENT_EXISTS'
  | 'RECIPIENT_UNKNOWN'
  // customer export output (src/export/): a vault subject's identifier in an output line; a
  // signature, checksum or sealed file that does not check out
  | 'EXPORT_LEAK'
  | 'EXPORT_SIGNATURE'
  | 'EXPORT_TAMPERED'
  | 'EXPORT_SEALED'
  | 'RECIPIENT_REQUIRED'
  | 'RECIPIENT_INVALID'
  // data subjects' rights (h-rights)
  /** No subject for the identifier given: the message names the identifier's kind, never its value. */
  | 'SUBJECT_NOT_FOUND'
  /** The identifier given to a rights command is malformed (an ID number with a bad check character...). */
  | 'IDENTIFIER_INVALID'
  /** A rights command asked for something the subject's state does not allow (erasing twice...). */
  | 'RIGHTS_INVALID'
  | 'INTERNAL';

export class SunderError extends Error {
  readonly code: ErrorCode;
  readonly path: readonly (string | number)[] | undefined;

  constructor(code: ErrorCode, message: string, options: { path?: readonly (string | number)[]; cause?: unknown } = {}) {
    super(`[sunder] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SunderError';
    this.code = code;
    this.path = options.path;
  }
}

export function isSunderError(err: unknown, code?: ErrorCode): err is SunderError {
  return err instanceof SunderError && (code === undefined || err.code === code);
}
