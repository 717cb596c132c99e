/**
 * Masks the secrets a configuration value can carry before it is printed: the password of a
 * URL (`postgres://user:secret@host/db`), and any `password=`-like parameter, in a URL query or
 * a libpq `key=value` string. `sunder config show` prints only what passed through here.
 */
const MASK = '***';

/** Parameter names whose values are secrets (case-insensitive; `sslpassword`, `db_password` too). */
const SECRET_PARAM = /((?:^|[?&;\s])[a-z0-9_-]*(?:password|passwd|pwd|secret|token|sslkey|kms-key-id)=)(?:'(?:[^'\\]|\\.)*'|[^&;\s]*)/gi;

export function maskSecrets(text: string): string {
  return text
    // scheme://user:password@host: only the password goes, the user name helps to debug
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:\s]*):[^@/?#\s]*@/i, `$1:${MASK}@`)
    .replace(SECRET_PARAM, `$1${MASK}`);
}
