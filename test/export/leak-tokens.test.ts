/** The leak check's tokeniser, the minisign signer against its own verifier, and shard sizes. */
import { describe, expect, it } from 'vitest';
import { identifierTokens } from '../../src/export/leak-check.js';
import { generateMinisignKey, parsePublicKey, formatPublicKey, signMinisign, verifyMinisign } from '../../src/crypto/minisign.js';
import { parseSize } from '../../src/export/sinks/open-sink.js';

const has = (text: string, kind: string, normalised: string) => identifierTokens(text).some((t) => t.kind === kind && t.normalised === normalised);

describe('identifier tokens', () => {
  it('finds phones however they are spelled, after the ingest normalisation', () => {
    for (const spelled of ['call 13800138000 now', '+86 138-0013-8000', '(0086) 138 0013 8000', '电话：１３８００１３８０００。', '138.0013.8000']) {
      expect(has(spelled, 'phone', '13800138000'), spelled).toBe(true);
    }
  });

  it('finds resident IDs, 15-digit ones expanded, an x check character upper-cased', () => {
    expect(has('id 11010519491231002x ok', 'cn_id', '11010519491231002X')).toBe(true);
    expect(has('110105 19491231 002X', 'cn_id', '11010519491231002X')).toBe(true);
  });

  it('finds identifiers written side by side or glued to other digits', () => {
    expect(has('13800138000 13900139000', 'phone', '13900139000')).toBe(true);
    expect(has('ref 9913800138000', 'phone', '13800138000')).toBe(true);
  });

  it('finds emails, full-width ones folded', () => {
    expect(has('mail Li.Wei@Example.COM.', 'email', 'li.wei@example.com')).toBe(true);
    expect(has('ｌｉ＠ｅｘａｍｐｌｅ．ｃｎ', 'email', 'li@example.cn')).toBe(true);
  });

  it('ignores short digit runs', () => {
    expect(identifierTokens('room 12345, 3 pm')).toEqual([]);
  });
});

describe('minisign signatures', () => {
  const key = generateMinisignKey();
  const message = Buffer.from('abc  manifest.jsonl\n');
  const sig = signMinisign(key, message, 'timestamp:1\tfile:SHA256SUMS');

  it('verify with the public key read back from its file', () => {
    expect(verifyMinisign(parsePublicKey(formatPublicKey(key)), message, sig).trustedComment).toBe('timestamp:1\tfile:SHA256SUMS');
  });

  it('fail for a changed message, trusted comment or another key', () => {
    expect(() => verifyMinisign(key, Buffer.from('abd  manifest.jsonl\n'), sig)).toThrow(/does not match/);
    expect(() => verifyMinisign(key, message, sig.replace('timestamp:1', 'timestamp:2'))).toThrow(/trusted comment/);
    expect(() => verifyMinisign(generateMinisignKey(), message, sig)).toThrow(/not by/);
  });
});

describe('shard sizes', () => {
  it('parses decimal and binary units and refuses nonsense', () => {
    expect(parseSize('1GB')).toBe(1e9);
    expect(parseSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSize('100000')).toBe(100000);
    expect(() => parseSize('big')).toThrow(/size/);
    expect(() => parseSize('1KB')).toThrow(/at least/);
  });
});
