/**
 * Where the vault and the key store live, each as one URL: `sqlite:///absolute/path` (the
 * embedded store, one writer) or `postgres://user@host:port/database` (`postgresql://` too; any
 * number of hosts at once). The two are separate on purpose: the key store may be another
 * database or server. A PostgreSQL URL may carry a password (libpq's own form), so errors name
 * the field and the part at fault but never echo the URL; prefer PGPASSWORD or ~/.pgpass.
 */
import { fileURLToPath } from 'node:url';
import { SunderError } from '../errors.js';

export type BackendUrl =
  | { kind: 'sqlite'; path: string }
  /** The connection string exactly as given (pg reads host, port, database, sslmode, application_name ...). */
  | { kind: 'postgres'; connectionString: string };

/** Where a URL came from, named in errors. */
export type BackendUrlField = '--vault' | '--keystore' | 'SUNDER_VAULT' | 'SUNDER_KEYSTORE' | string;

function invalid(field: string, part: string, expected: string): SunderError {
  return new SunderError('CONFIG_INVALID', `${field}: ${part}: ${expected}`, { path: [field, part] });
}

export function parseBackendUrl(text: string, field: BackendUrlField): BackendUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(field, 'url', 'expected sqlite:///absolute/path or postgres://host/database');
  }
  if (url.protocol === 'sqlite:') {
    if (!text.startsWith('sqlite:///')) throw invalid(field, 'path', 'expected sqlite:///absolute/path (three slashes, no host)');
    if (url.search !== '' || url.hash !== '') throw invalid(field, 'query', 'a sqlite: URL takes no parameters');
    const path = fileURLToPath(`file://${url.pathname}`);
    if (path.endsWith('/')) throw invalid(field, 'path', 'expected a file, not a folder');
    return { kind: 'sqlite', path };
  }
  if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') {
    if (url.hash !== '') throw invalid(field, 'fragment', 'a PostgreSQL URL has no #fragment');
    const db = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (db === '' || db.includes('/')) throw invalid(field, 'database', 'expected postgres://host/database (one database name)');
    return { kind: 'postgres', connectionString: text };
  }
  throw invalid(field, 'scheme', 'expected sqlite: or postgres:');
}

/** The URL from the flag, else the environment variable, else undefined (the embedded default). */
export function configuredBackendUrl(flag: string | undefined, flagName: '--vault' | '--keystore', env: NodeJS.ProcessEnv = process.env): BackendUrl | undefined {
  if (flag !== undefined) return parseBackendUrl(flag, flagName);
  const envName = flagName === '--vault' ? 'SUNDER_VAULT' : 'SUNDER_KEYSTORE';
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return parseBackendUrl(fromEnv, envName);
  return undefined;
}
