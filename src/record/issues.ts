/**
 * zod issues in words. zod's own messages can quote input; these are built from the issue's
 * code and expectation, and from the JSON type of what came (never its value): a wrong type is
 * not reported as "missing" (zod 4 leaves `issue.input` out unless asked, so it is looked up).
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** The JSON type of a value, for "expected string, got number". */
export function jsonTypeOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** What went wrong, as "expected X, got Y" where a type is at fault; `root` is the parsed input. */
export function describeIssue(issue: Issue, root: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const found = valueAt(root, issue.path);
      return found === undefined ? `required ${issue.expected} is missing` : `expected ${issue.expected}, got ${jsonTypeOf(found)}`;
    }
    case 'too_small':
      return `expected at least ${String(issue.minimum)} ${issue.origin === 'string' ? 'characters' : issue.origin === 'number' ? '' : 'items'}`.trimEnd();
    case 'too_big':
      return `expected at most ${String(issue.maximum)} ${issue.origin === 'string' ? 'characters' : issue.origin === 'number' ? '' : 'items'}`.trimEnd();
    case 'invalid_format':
      return `expected ${issue.format === 'regex' ? 'a value of the allowed characters' : `an ISO ${issue.format}`}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''}`;
    case 'invalid_union':
      return `expected a string, number, boolean or null, got ${jsonTypeOf(valueAt(root, issue.path))}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    default:
      return 'invalid value';
  }
}
