import { SunderError, type ErrorCode } from '../errors.js';

/**
 * Media errors name the format and what was expected, never the file name (a file name can be
 * a person's name) nor any metadata value read from the file.
 */
export function mediaError(code: ErrorCode, message: string, path?: readonly (string | number)[]): SunderError {
  return new SunderError(code, `[media] ${message}`, path === undefined ? {} : { path });
}

export const malformed = (fmt: string, what: string): SunderError => mediaError('MEDIA_MALFORMED', `${fmt}: ${what}`);
export const truncated = (fmt: string, what: string): SunderError => mediaError('MEDIA_TRUNCATED', `${fmt}: ${what}`);
export const unsupported = (fmt: string, what: string): SunderError => mediaError('MEDIA_UNSUPPORTED', `${fmt}: ${what}`);
export const verifyFailed = (fmt: string, what: string): SunderError =>
  mediaError('MEDIA_VERIFY_FAILED', `${fmt}: output re-parse found ${what}`);

/**
 * Runs an output re-parse: its own MEDIA_VERIFY_FAILED errors pass through; anything else it
 * throws (a read past the end, a walker's malformed or truncated) becomes "a structure that does
 * not parse".
 */
export async function verifying<T>(fmt: string, reparse: () => Promise<T>): Promise<T> {
  try {
    return await reparse();
  } catch (err) {
    if ((err as { code?: string }).code === 'MEDIA_VERIFY_FAILED') throw err;
    throw verifyFailed(fmt, 'a structure that does not parse');
  }
}
