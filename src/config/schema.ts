/**
 * The configuration file, `sunder.config.json` / `.yaml` / `.yml`: where the data, keys and
 * stores are, and the policy file. Strict: an unknown key is named, so a typo never silently
 * leaves a setting at its default. Every value is optional; the embedded default needs none.
 */
import { z } from 'zod';

const text = z.string().min(1);

export const S3_SSE_MODES = ['AES256', 'aws:kms'] as const;

export const configSchema = z.strictObject({
  /** Data folder of the embedded default; relative paths are read from the file's folder. */
  data: text.optional(),
  /** Folder of the role key files. @default "<data>/keys" */
  keys: text.optional(),
  /** Object store: `file:///path`, `s3://bucket/prefix`, or a plain folder path. */
  store: text.optional(),
  /** Vault: `sqlite:///path`, `postgres://…`, or a plain file path (SQLite). */
  vault: text.optional(),
  /** Key store: as `vault`; it may be another database or server. */
  keystore: text.optional(),
  /** The S3 store's settings; parameters in the `store` URL win over these. */
  s3: z
    .strictObject({
      /** An S3-compatible server (http or https URL); `SUNDER_S3_ENDPOINT` wins over it. */
      endpoint: z.url({ protocol: /^https?$/ }).optional(),
      region: z.string().regex(/^[a-z0-9-]{2,32}$/).optional(),
      forcePathStyle: z.boolean().optional(),
      /** Server-side encryption on top of Sunder's own: a mode, or aws:kms with its key id. */
      sse: z
        .union([
          z.enum(S3_SSE_MODES),
          z.strictObject({ mode: z.literal('aws:kms'), kmsKeyId: text }),
        ])
        .optional(),
    })
    .optional(),
  /** Policy JSON file (field mapping, generalisation, detectors, input limits). */
  policy: text.optional(),
});

export type ConfigFile = z.infer<typeof configSchema>;
