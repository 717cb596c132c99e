/**
 * The default shape of one collected record. Identity lives under `subject`, consent under
 * `consent`, and what the company sells under `business`. Users extend it through the policy
 * (extra attribute keys, CSV column maps); the shape of identity and consent is fixed because
 * the gate and the vault depend on it.
 */
import { z } from 'zod';

/** Record ids and project names: letters, digits and `. _ : -`, starting with a letter or digit, up to 128. */
export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

// min/max stay separate checks so a too-long id is reported as such, not as a bad character.
const safeId = z
  .string()
  .min(1)
  .max(128)
  .regex(SAFE_ID, 'expected letters, digits and . _ : - only');

/** ISO 8601 date-time with an explicit offset or Z: ages must be computed at a known instant. */
const dateTime = z.iso.datetime({ offset: true });
const date = z.iso.date();

export const CONSENT_SCOPES = ['voice', 'image', 'video', 'portrait', 'text'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

export const MEDIA_KINDS = ['audio', 'image', 'video', 'portrait'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** Which consent scope a media kind needs. */
export const SCOPE_OF_MEDIA: Readonly<Record<MediaKind, ConsentScope>> = {
  audio: 'voice',
  image: 'image',
  video: 'video',
  portrait: 'portrait',
};

export const guardianSchema = z.strictObject({
  name: z.string().min(1).max(200),
  idNumber: z.string().min(1).max(64).optional(),
  phone: z.string().min(1).max(64).optional(),
  email: z.string().min(1).max(320).optional(),
  relation: z.string().min(1).max(64),
});

export const subjectSchema = z.strictObject({
  name: z.string().min(1).max(200),
  gender: z.enum(['male', 'female', 'other', 'unknown']).optional(),
  birthDate: date.optional(),
  idNumber: z.string().min(1).max(64).optional(),
  phone: z.string().min(1).max(64).optional(),
  email: z.string().min(1).max(320).optional(),
  guardian: guardianSchema.optional(),
});

export const consentSchema = z.strictObject({
  policyVersion: z.string().min(1).max(64),
  grantedAt: dateTime,
  scopes: z.array(z.enum(CONSENT_SCOPES)).max(CONSENT_SCOPES.length),
  crossBorder: z.boolean().default(false),
  guardianConsent: z.boolean().default(false),
  withdrawnAt: dateTime.optional(),
});

export const mediaRefSchema = z.strictObject({
  kind: z.enum(MEDIA_KINDS),
  /** Path relative to the input file's folder (or the `mediaRoot` option). */
  path: z.string().min(1).max(4096),
});

const attributeValue = z.union([z.string().max(4096), z.number(), z.boolean(), z.null()]);

export const businessSchema = z.strictObject({
  attributes: z.record(z.string().max(128), attributeValue).default({}),
  text: z.record(z.string().max(128), z.string().max(1_000_000)).default({}),
  media: z.array(mediaRefSchema).max(1000).default([]),
});

export const collectedRecordSchema = z.strictObject({
  recordId: safeId,
  project: safeId,
  collectedAt: dateTime,
  subject: subjectSchema,
  consent: consentSchema.optional(),
  business: businessSchema.default({ attributes: {}, text: {}, media: [] }),
});

export type CollectedRecord = z.infer<typeof collectedRecordSchema>;
export type CollectedRecordInput = z.input<typeof collectedRecordSchema>;
export type Subject = z.infer<typeof subjectSchema>;
export type Guardian = z.infer<typeof guardianSchema>;
export type Consent = z.infer<typeof consentSchema>;
export type MediaRef = z.infer<typeof mediaRefSchema>;
