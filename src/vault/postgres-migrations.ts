/**
 * The PostgreSQL vault's schema, as versioned migrations (src/postgres.ts applies them). A
 * migration, once released, is never edited: a change is a new version at the end.
 */
import type { Migration } from '../postgres.js';

export const VAULT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'vault format 2',
    // The same tables as the embedded vault (sqlite.ts), with PostgreSQL types. `seq` columns
    // give exports a stable order to page by. No foreign keys: the embedded vault has none, and
    // a commit inserts every table of a batch in one transaction anyway.
    sql: `
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE subjects (
  subject_id text PRIMARY KEY, key_id text NOT NULL UNIQUE, pseudonym text NOT NULL,
  status text NOT NULL DEFAULT 'active', adult_since text,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
-- The decision point of many hosts: one subject per identifier digest, whoever commits first.
CREATE TABLE blind_index (
  kind text NOT NULL, digest bytea NOT NULL, subject_id text NOT NULL, PRIMARY KEY (kind, digest));
CREATE INDEX blind_index_subject ON blind_index (subject_id);
CREATE TABLE identities (
  subject_id text NOT NULL, digest bytea NOT NULL, entry bytea NOT NULL, record_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (subject_id, digest));
CREATE TABLE records (
  seq bigserial NOT NULL UNIQUE, record_id text PRIMARY KEY, subject_id text NOT NULL, object_id text NOT NULL,
  project text NOT NULL, collected_at text NOT NULL, segment_id text NOT NULL,
  "offset" bigint NOT NULL, length bigint NOT NULL, scopes text NOT NULL, cross_border boolean NOT NULL,
  policy_version text NOT NULL, run_id text NOT NULL, stored_at timestamptz NOT NULL DEFAULT now(),
  binding smallint NOT NULL DEFAULT 2);
CREATE INDEX records_subject ON records (subject_id);
CREATE TABLE media (
  seq bigserial NOT NULL, object_id text PRIMARY KEY, record_id text NOT NULL, kind text NOT NULL,
  format text NOT NULL, bytes bigint NOT NULL);
CREATE INDEX media_record ON media (record_id);
CREATE TABLE segments (
  segment_id text PRIMARY KEY, object_key text NOT NULL, records integer NOT NULL, bytes bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE pending (ref text PRIMARY KEY, run_id text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX pending_run ON pending (run_id);
CREATE TABLE runs (run_id text PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz, summary text);
INSERT INTO meta (key, value) VALUES ('format_version', '2');
`,
  },
  {
    version: 2,
    name: 'rights state and disclosure ledger',
    // As the embedded vault's RIGHTS_SCHEMA. Times are the ISO strings callers pass (text), so
    // both backends return them byte for byte; `seq` gives disclosures their insertion order.
    sql: `
CREATE TABLE withdrawals (subject_id text NOT NULL, scope text NOT NULL, withdrawn_at text NOT NULL, PRIMARY KEY (subject_id, scope));
CREATE TABLE reviews (subject_id text PRIMARY KEY, reason text NOT NULL, since text NOT NULL);
CREATE TABLE recipients (name text PRIMARY KEY, jurisdiction text NOT NULL, age_recipient text, created_at text NOT NULL);
CREATE TABLE exports (
  export_id text PRIMARY KEY, recipient text NOT NULL, started_at text NOT NULL, finished_at text,
  manifest_sha256 text, records integer NOT NULL DEFAULT 0, media integer NOT NULL DEFAULT 0, summary text NOT NULL DEFAULT '{}');
CREATE TABLE disclosures (
  seq bigserial NOT NULL UNIQUE, export_id text NOT NULL, recipient text NOT NULL, subject_id text NOT NULL,
  recipient_pseudonym text NOT NULL, object_id text NOT NULL, record_id text NOT NULL, project text NOT NULL,
  disclosed_at text NOT NULL, PRIMARY KEY (export_id, object_id));
CREATE INDEX disclosures_subject ON disclosures (subject_id);
CREATE INDEX disclosures_recipient ON disclosures (recipient);
`,
  },
  {
    version: 3,
    name: 'erasure, retention, compaction and disclosed quasi-identifiers',
    // As the embedded vault's ERASURE_SCHEMA and its disclosed_quasi table. `identities` gains a
    // `seq` so that identitiesOf lists entries oldest first, as the embedded vault's rowid does.
    sql: `
CREATE TABLE tombstones (kind text NOT NULL, digest bytea NOT NULL, subject_id text NOT NULL, erased_at text NOT NULL, PRIMARY KEY (kind, digest));
CREATE TABLE guardian_index (kind text NOT NULL, digest bytea NOT NULL, subject_id text NOT NULL, PRIMARY KEY (kind, digest, subject_id));
CREATE INDEX guardian_index_subject ON guardian_index (subject_id);
CREATE TABLE erasures (
  erasure_id text NOT NULL, subject_id text NOT NULL, key_id text NOT NULL, erased_at text NOT NULL, reason text NOT NULL,
  PRIMARY KEY (erasure_id, subject_id));
CREATE TABLE dead_ranges (segment_id text NOT NULL, "offset" bigint NOT NULL, length bigint NOT NULL, dead_at text NOT NULL, PRIMARY KEY (segment_id, "offset"));
CREATE TABLE dead_media (object_key text PRIMARY KEY, dead_at text NOT NULL);
CREATE TABLE purged_records (record_id text PRIMARY KEY, purged_at text NOT NULL);
CREATE TABLE disclosed_quasi (
  export_id text NOT NULL, recipient text NOT NULL, subject_id text NOT NULL, quasi bytea NOT NULL, PRIMARY KEY (export_id, subject_id));
CREATE INDEX disclosed_quasi_recipient ON disclosed_quasi (recipient, export_id);
ALTER TABLE identities ADD COLUMN seq bigserial NOT NULL;
`,
  },
];
