/**
 * Field names that reach into JavaScript's object machinery. A CSV header `__proto__.x` written
 * with plain assignment sets a property on Object.prototype (every later object "has" it), and
 * zod's record parser assigns keys the same way, so `business.attributes.__proto__` would vanish
 * from a stored record. Sources build records from null-prototype objects, and a record holding
 * one of these names anywhere is rejected, naming the field, rather than stored without it.
 */
import { formatPath } from './paths.js';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether `text` could hold a forbidden key at all (JSON escapes included): the cheap pre-check for a parsed line. */
export function mayHoldForbiddenKey(text: string): boolean {
  return text.includes('__proto__') || text.includes('constructor') || text.includes('prototype') || text.includes('\\u');
}

/** The path of the first forbidden key in a parsed value, or undefined. Depth-first, in key order. */
export function forbiddenKeyPath(value: unknown): string | undefined {
  const path: (string | number)[] = [];
  const visit = (v: unknown, depth: number): boolean => {
    if (typeof v !== 'object' || v === null || depth > 64) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        if (visit(v[i], depth + 1)) return true;
        path.pop();
      }
      return false;
    }
    for (const key of Object.keys(v)) {
      path.push(key);
      if (FORBIDDEN_KEYS.has(key) || visit((v as Record<string, unknown>)[key], depth + 1)) return true;
      path.pop();
    }
    return false;
  };
  return visit(value, 0) ? forbiddenPathText(path) : undefined;
}

/** A path with forbidden names printed as they are (they are not personal data; `safeSegment` would hide nothing here). */
export function forbiddenPathText(path: readonly (string | number)[]): string {
  return path.map((p) => (typeof p === 'string' && FORBIDDEN_KEYS.has(p) ? p : formatPath([p]))).join('.');
}
