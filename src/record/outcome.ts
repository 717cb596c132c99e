/**
 * Every input record yields exactly one outcome. Outcomes are written to disk and printed, so
 * they carry codes, field paths and ids, never a value from the record.
 */

/** Stable rejection codes; documented in README.md. */
export const REJECT_CODES = [
  'PARSE_ERROR', // the line or row is not a record at all (bad JSON, wrong column count); `line` says where
  'INPUT_ENCODING', // the line is not valid in the input's encoding (UTF-8 unless named); the reason gives the byte offset
  'RECORD_TOO_LARGE', // the line or row is longer than the policy's `input.maxRecordBytes`
  'FIELD_NAME_FORBIDDEN', // a field named __proto__, constructor or prototype; `path` names it
  'SCHEMA_INVALID', // a field is missing or of the wrong shape; `path` names it
  'CONSENT_MISSING', // no consent block
  'CONSENT_SCOPE', // a business field needs a scope the consent does not grant
  'CONSENT_WITHDRAWN', // the record's own consent carries withdrawnAt
  'CROSS_BORDER_NOT_CONSENTED', // reserved for exports to another jurisdiction
  'MINOR_NO_GUARDIAN_CONSENT', // under 14 at collection without guardian consent and a guardian
  'SUBJECT_UNIDENTIFIED', // none of idNumber, phone, email
  'SUBJECT_CONFLICT', // identifiers point at two different existing subjects
  'SUBJECT_WITHDRAWN', // the vault marks the subject as withdrawn
  'SUBJECT_ERASED', // the vault holds a tombstone for the subject
  'SCOPE_WITHDRAWN', // the subject withdrew a consent scope this record needs (`sunder withdraw --scopes`)
  'ID_NUMBER_INVALID', // an ID number that fails its check character or carries no real date
  'PHONE_INVALID',
  'EMAIL_INVALID',
  'MEDIA_UNSUPPORTED', // media the pipeline cannot de-identify losslessly
  'MEDIA_REJECTED', // a media file that is unknown, truncated or malformed
  'IDENTIFIER_IN_NAME', // the project name or a business field's name holds an identifier; `path` names the parent, never the name
  'INTERNAL', // a bug: reported, never swallowed
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

/** A field path such as `subject.idNumber` or `business.media.0.path`. */
export type FieldPath = string;

export interface StoredOutcome {
  status: 'stored';
  /** 0-based position of the record in its source. */
  index: number;
  recordId: string;
  /** Id of the business object (random, never derived from personal data). */
  objectId: string;
  /** Whether the subject was new to the vault. */
  newSubject: boolean;
  /** Identifiers found and masked in the business text, by kind. */
  detections: Record<string, number>;
}

export interface DuplicateOutcome {
  status: 'duplicate';
  index: number;
  recordId: string;
}

export interface RejectedOutcome {
  status: 'rejected';
  index: number;
  /** Absent when the record was too broken to read one. */
  recordId?: string;
  code: RejectCode;
  path: FieldPath;
  /** What was expected, in words; never the value that came. */
  reason: string;
  /** 1-based line of the input file where the record starts, for rejections found while reading it. */
  line?: number;
}

export type Outcome = StoredOutcome | DuplicateOutcome | RejectedOutcome;
