import { describe, expect, it } from 'vitest';
import { configuredBackendUrl, parseBackendUrl } from '../../src/config/backend-url.js';
import { isSunderError } from '../../src/errors.js';

describe('vault and key store URLs', () => {
  it('parses sqlite:///path and postgres:// URLs', () => {
    expect(parseBackendUrl('sqlite:///var/lib/sunder/vault.db', '--vault')).toEqual({ kind: 'sqlite', path: '/var/lib/sunder/vault.db' });
    expect(parseBackendUrl('postgres://ingest@db.internal:5433/vault?sslmode=require', '--vault'))
      .toEqual({ kind: 'postgres', connectionString: 'postgres://ingest@db.internal:5433/vault?sslmode=require' });
    expect(parseBackendUrl('postgresql://keys.internal/keystore', '--keystore').kind).toBe('postgres');
  });

  it('prefers the flag, then the environment, else the embedded default (undefined)', () => {
    const env = { SUNDER_VAULT: 'postgres://h/v', SUNDER_KEYSTORE: '' };
    expect(configuredBackendUrl('sqlite:///x/v.db', '--vault', env)).toEqual({ kind: 'sqlite', path: '/x/v.db' });
    expect(configuredBackendUrl(undefined, '--vault', env)).toEqual({ kind: 'postgres', connectionString: 'postgres://h/v' });
    expect(configuredBackendUrl(undefined, '--keystore', env)).toBeUndefined();
  });

  it.each([
    ['sqlite:relative.db', '--vault', 'path'],
    ['sqlite://host/v.db', '--vault', 'path'],
    ['sqlite:///dir/', '--vault', 'path'],
    ['postgres://user:s3cret-pass@host', '--keystore', 'database'],
    ['mysql://user:s3cret-pass@host/db', 'SUNDER_VAULT', 'scheme'],
    ['not a url s3cret-pass', '--vault', 'url'],
  ])('refuses %s naming the field and part, never echoing the URL', (text, field, part) => {
    let caught: unknown;
    try {
      parseBackendUrl(text, field);
    } catch (err) {
      caught = err;
    }
    expect(isSunderError(caught, 'CONFIG_INVALID')).toBe(true);
    expect((caught as { path: string[] }).path).toEqual([field, part]);
    expect((caught as Error).message).not.toContain('s3cret-pass');
  });
});
