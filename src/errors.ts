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
  | 'STORE_CORRUPT'
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
