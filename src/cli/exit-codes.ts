/**
 * Exit codes, the same for every command (README "Exit codes"). Scripts branch on them, so they
 * never change meaning: 1 means the run finished and wrote an outcome for every record, some
 * of them rejections; 2 means nothing was attempted because the command was wrong; 3 means
 * the data or the store failed under it (full, read-only, corrupt, wrong format); 70 is a bug.
 */
import { CommanderError } from 'commander';
import type { ErrorCode } from '../errors.js';
import { isSunderError } from '../errors.js';
import { isOsError } from '../os-errors.js';

export const EXIT = {
  OK: 0,
  REJECTED: 1,
  USAGE: 2,
  DATA: 3,
  /** A rights command found no subject for the identifier given (the kind is named, never the value). */
  NOT_FOUND: 4,
  INTERNAL: 70,
} as const;

/**
 * Codes that mean "the command line or its configuration is wrong": fix the arguments, the
 * policy or the keys and run again. Every other code (a new one included) is a data or store
 * error.
 */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFIG_INVALID',
  'FILE_NOT_FOUND',
  'KEYS_MISSING',
  'KEYS_WRONG',
  'OUTPUT_NOT_EMPTY',
  'KEYS_PERMISSIONS',
  'DIR_UNUSABLE',
  'STORE_DENIED',
  'STORE_VERSION',
  'REQUEST_NOT_FOUND',
  'RECIPIENT_EXISTS',
  'RECIPIENT_UNKNOWN',
  'AUDIT_ENTRY_NOT_FOUND',
  'INCIDENT_NOT_FOUND',
  'RECIPIENT_REQUIRED',
  'RECIPIENT_INVALID',
  'IDENTIFIER_INVALID',
  'RIGHTS_INVALID',
  'REQUEST_INVALID',
]);

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  if (isSunderError(err, 'SUBJECT_NOT_FOUND')) return EXIT.NOT_FOUND;
  if (isSunderError(err)) return USAGE_CODES.has(err.code) ? EXIT.USAGE : EXIT.DATA;
  if (isOsError(err)) return EXIT.DATA;
  return EXIT.INTERNAL;
}
