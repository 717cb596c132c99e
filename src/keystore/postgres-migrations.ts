/** The PostgreSQL key store's schema, as versioned migrations (never edited once released). */
import type { Migration } from '../postgres.js';

export const KEYSTORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'key store format 2',
    sql: `
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
-- key_id is unique: a second row for one id would make a subject's key ambiguous.
CREATE TABLE subject_keys (
  key_id text PRIMARY KEY, public_key bytea NOT NULL, wrapped_officer bytea NOT NULL, wrapped_exporter bytea NOT NULL,
  identity_public_key bytea, identity_wrapped_officer bytea, mac bytea, created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO meta (key, value) VALUES ('format_version', '2');
`,
  },
];
