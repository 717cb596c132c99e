/** Policy parser: any JSON value, or a valid policy with one value replaced, parses or gives CONFIG_INVALID at a path. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, loadPolicy, parsePolicy } from '../../src/record/policy.js';
import { tempDir } from '../helpers/tmp.js';
import { FUZZ_TIMEOUT, fuzzParams, isExpected } from './params.js';

function check(input: unknown): void {
  try {
    parsePolicy(input);
  } catch (err) {
    expect(isExpected(err, ['CONFIG_INVALID'])).toBe(true);
    expect(Array.isArray((err as { path?: unknown }).path)).toBe(true);
  }
}

/** Every path to a leaf of the default policy. */
function leaves(v: unknown, path: string[] = []): string[][] {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length === 0) return [path];
  return Object.entries(v).flatMap(([k, c]) => leaves(c, [...path, k]));
}
const PATHS = leaves(DEFAULT_POLICY);

function replaced(path: string[], value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(DEFAULT_POLICY)) as Record<string, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

describe('policy fuzz', () => {
  it('any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), check), fuzzParams(1000));
  }, FUZZ_TIMEOUT);

  it('a valid policy with one value replaced, or one key added', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATHS), fc.jsonValue(), fc.boolean(), (path, value, add) => {
        check(add ? replaced([...path.slice(0, -1), `${path[path.length - 1]}x`], value) : replaced(path, value));
      }),
      fuzzParams(1000),
    );
  }, FUZZ_TIMEOUT);

  it('a policy file of arbitrary bytes', async () => {
    const dir = tempDir();
    const file = join(dir, 'policy.json');
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)))), async (bytes) => {
        writeFileSync(file, bytes);
        try {
          await loadPolicy(file);
        } catch (err) {
          expect(isExpected(err, ['CONFIG_INVALID', 'INPUT_ENCODING'])).toBe(true);
        }
      }),
      fuzzParams(200),
    );
  }, FUZZ_TIMEOUT);
});
