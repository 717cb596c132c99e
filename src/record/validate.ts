/**
 * Turns zod's verdict into an outcome (reasons in words: see issues.ts).
 */
import { z } from 'zod';
import type { RejectedOutcome } from './outcome.js';
import { describeIssue } from './issues.js';
import { formatPath } from './paths.js';
import { collectedRecordSchema, SAFE_ID, type CollectedRecord } from './schema.js';

/**
 * The record schema compiled ahead of time (`z.compile`, zod >= 4.6): a generated parser for
 * the valid case, 2.1-2.9x faster than the runtime parser and with far less garbage
 * (bench/validate.ts), falling back to the runtime parser, and its issues, for invalid input.
 * Same output either way (test/record/validate.test.ts).
 */
const recordParser = z.compile(collectedRecordSchema);

export type Validated = { ok: true; record: CollectedRecord } | { ok: false; rejection: Omit<RejectedOutcome, 'index'> };

/**
 * Validates one parsed value against the record schema. Collectors extend a record through
 * `business.attributes` (any names, routed by the policy's `attributes`), not by changing its
 * shape: the gate, the split and the vault all rely on this shape.
 */
export function validateRecord(value: unknown): Validated {
  const parsed = recordParser.safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data };
  const issue = parsed.error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? [...issue.path, issue.keys[0]!] : issue.path;
  const recordId = recordIdOf(value);
  return {
    ok: false,
    rejection: {
      status: 'rejected',
      ...(recordId === undefined ? {} : { recordId }),
      code: 'SCHEMA_INVALID',
      path: formatPath(path),
      reason: describeIssue(issue, value),
    },
  };
}

/** The record id of a broken record, when it has a usable one (so its outcome can name it). */
export function recordIdOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { recordId?: unknown }).recordId;
  return typeof id === 'string' && SAFE_ID.test(id) ? id : undefined;
}
