/**
 * Scans without a document date bound ID birth dates by today's date. The date must follow the
 * clock even when scans are rare (a quiet ingestion service), at no cost per scan.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cnIdCheckChar } from '../../src/id/cn-id.js';

afterEach(() => {
  vi.useRealTimers();
  vi.resetModules();
});

/** A checksum-valid resident ID (Beijing Chaoyang) born on `yyyymmdd`. */
const idBornOn = (yyyymmdd: string) => {
  const first17 = `110105${yyyymmdd}123`;
  return first17 + cnIdCheckChar(first17);
};

describe("today's date for scans without a document date", () => {
  it('moves with the clock within a minute, however few scans there are', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(new Date('2030-01-01T23:59:30Z'));
    vi.resetModules();
    const { createScanner } = await import('../../src/detect/index.js');
    const scanner = createScanner();
    const text = `新生儿证件号 ${idBornOn('20300102')}`;
    // Born "tomorrow": not a resident ID number yet.
    expect(scanner.scan(text).some((f) => f.kind === 'CN_ID')).toBe(false);
    // Two days on with no scan in between; the clock alone moves the date.
    vi.setSystemTime(new Date('2030-01-03T00:00:00Z'));
    vi.advanceTimersByTime(60_000);
    expect(scanner.scan(text).some((f) => f.kind === 'CN_ID')).toBe(true);
  });
});
