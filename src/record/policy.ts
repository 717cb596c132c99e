/**
 * The policy says how input maps onto Sunder's record: which CSV column is which field, where
 * each business attribute goes (business side, identity side, or nowhere), how quasi-identifiers
 * are generalised, and which detectors run. Everything has a default; a policy file overrides.
 */
import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SunderError } from '../errors.js';
import { DEFAULT_MAX_MEDIA_BYTES, DEFAULT_MAX_PIXELS } from '../media/limits.js';
import { formatPath } from './paths.js';
import { describeIssue } from './issues.js';
import { forbiddenKeyPath } from './keys.js';

/** Encodings an input file may be named to be in (`--encoding`); UTF-8 otherwise. */
export const INPUT_ENCODINGS = ['utf-8', 'gb18030', 'big5', 'utf-16le'] as const;
export type InputEncoding = (typeof INPUT_ENCODINGS)[number];
const MiB = 1024 * 1024;

/** An upper-case kind name: a built-in (`PHONE`) or a policy recognizer's (`EMPLOYEE_ID`). */
const KIND = /^[A-Z][A-Z0-9_]{0,39}$/;
const maskOperator = z.enum(['tag', 'mask', 'redact', 'token', 'generalise']);

/** A pattern recognizer in a policy file. */
const policyRecognizerSchema = z
  .strictObject({
    /** Upper-case name, used in tags and counts: `[EMPLOYEE_ID]`. */
    kind: z.string().regex(KIND),
    /** A JavaScript regular expression, without slashes. */
    pattern: z.string().min(1).max(2000),
    /** Regex flags (`g` is implied). */
    flags: z.string().regex(/^[imsuv]*$/).default(''),
    /** 0-1; higher wins overlaps against built-in findings. @default 0.5 */
    score: z.number().min(0).max(1).default(0.5),
  })
  .refine((r) => compiles(r.pattern, r.flags), { message: 'not a valid regular expression', path: ['pattern'] });

function compiles(pattern: string, flags: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

export type PolicyRecognizer = z.infer<typeof policyRecognizerSchema>;

export const policySchema = z.strictObject({
  /** Age under which a guardian's consent is needed. @default 14 */
  minorAge: z.number().int().min(1).max(21).default(14),
  /**
   * A record that shows no age (no birth date, no ID number): `guardian` treats it as a child's
   * unless the vault already knows its subject as `minorAge` or over from an earlier record;
   * `allow` lets it through. The default errs on the side of the child.
   * @default "guardian"
   */
  unknownAge: z.enum(['guardian', 'allow']).default('guardian'),
  csv: z
    .strictObject({
      /** Header name -> dotted record path. Headers not listed are taken as dotted paths. @example {"手机": "subject.phone"} */
      columns: z.record(z.string(), z.string()).default({}),
      /** Separator inside list cells such as consent.scopes. @default "|" */
      listSeparator: z.string().min(1).default('|'),
      /** One character; not a quote or a line end, which CSV itself uses. @default "," */
      delimiter: z.string().length(1).refine((d) => !'"\r\n'.includes(d), { message: 'not a quote or line end' }).default(','),
      /**
       * Lines one record may span inside quoted fields. A record still open after this many
       * lines is taken as a stray quote: its first line is rejected and reading resumes at the
       * next line. 1 keeps every quoted field on its line. @default 100
       */
      maxRecordLines: z.number().int().min(1).max(100_000).default(100),
    })
    .default({ columns: {}, listSeparator: '|', delimiter: ',', maxRecordLines: 100 }),
  /** How input files and streams are read. */
  input: z
    .strictObject({
      /**
       * The input's character encoding. Bytes that are not valid in it reject their line
       * (INPUT_ENCODING); nothing is replaced. @default "utf-8"
       */
      encoding: z.enum(INPUT_ENCODINGS).default('utf-8'),
      /** A line or CSV record longer than this is rejected (RECORD_TOO_LARGE) without being held in memory. @default 16 MiB */
      maxRecordBytes: z.number().int().min(1024).max(1024 * MiB).default(16 * MiB),
      /**
       * Input bytes one batch may hold: a batch ends at this size even before `batchSize`
       * records, and the source is not read further while two batches are in flight, so
       * memory is bounded by bytes, not by record count (bench/memory.ts). @default 16 MiB
       */
      maxBatchBytes: z.number().int().min(1024).max(16 * 1024 * MiB).default(8 * MiB),
      /**
       * A media file larger than this is rejected (MEDIA_TOO_LARGE) before it is read; the CLI's
       * `--max-media-bytes` overrides it. @default 4 GiB
       */
      maxMediaBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_MEDIA_BYTES),
      /**
       * An image whose header declares more pixels (width x height) is rejected
       * (MEDIA_TOO_MANY_PIXELS) before anything decodes it; `--max-media-pixels` overrides it.
       * @default 268,402,689 (sharp's own limitInputPixels)
       */
      maxMediaPixels: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_PIXELS),
    })
    .default({ encoding: 'utf-8', maxRecordBytes: 16 * MiB, maxBatchBytes: 8 * MiB, maxMediaBytes: DEFAULT_MAX_MEDIA_BYTES, maxMediaPixels: DEFAULT_MAX_PIXELS }),
  /**
   * Where each business attribute goes. `business` (default) keeps it, scrubbed; `identity` moves
   * it into the sealed vault entry; `drop` discards it.
   * @example {"homeAddress": "identity", "operatorNote": "drop"}
   */
  attributes: z.record(z.string(), z.enum(['business', 'identity', 'drop'])).default({}),
  quasi: z
    .strictObject({
      /** Width of the age band in years (`30-34` for 5). @default 5 */
      ageBandYears: z.number().int().min(1).max(50).default(5),
      /** Keep the birth year on the business side. @default false */
      birthYear: z.boolean().default(false),
      /** Keep the province from the ID number's region code. @default true */
      province: z.boolean().default(true),
      /** Keep the gender. @default true */
      gender: z.boolean().default(true),
    })
    .default({ ageBandYears: 5, birthYear: false, province: true, gender: true }),
  detect: z
    .strictObject({
      /** Built-in recognizer kinds to turn off. @example ["PLATE"] */
      disable: z.array(z.string()).default([]),
      /**
       * The organisation's own identifiers, as regular expressions (JSON has no RegExp): each
       * match is reported as `kind` and masked like any other finding.
       * @example [{ "kind": "EMPLOYEE_ID", "pattern": "EMP-\\d{6}" }]
       */
      recognizers: z.array(policyRecognizerSchema).max(100).default([]),
    })
    .default({ disable: [], recognizers: [] }),
  /**
   * How findings in business text are rewritten (src/mask): `tag` (`[PHONE]`), `mask` (display
   * form, `138****8000`), `redact`, `token` (a keyed token, the same for the same value within a
   * subject or a project: `[PHONE:k5x2…]`) or `generalise`. `keep` is not offered: the business
   * side never holds an identifier in clear.
   */
  mask: z
    .strictObject({
      default: maskOperator.default('tag'),
      byKind: z.record(z.string().regex(KIND), maskOperator).default({}),
      /** Where tokens agree: within one subject (default) or across a whole project. */
      tokenScope: z.enum(['subject', 'project']).default('subject'),
    })
    .default({ default: 'tag', byKind: {}, tokenScope: 'subject' }),
  /**
   * Customer exports (docs/FORMAT.md "Export selection"): where the data was collected, how the
   * quasi-identifiers are generalised on the way out, and the k-anonymity check.
   */
  export: z
    .strictObject({
      /** ISO 3166-1 alpha-2 country the data was collected in: an export elsewhere carries only `crossBorder` subjects. @default "CN" */
      collectionJurisdiction: z.string().regex(/^[A-Z]{2}$/).default('CN'),
      /** Every class of exported quasi-identifiers holds at least this many subjects (1: no check). @default 1 */
      k: z.number().int().min(1).max(1000).default(1),
      /** Where generalisation starts (`--generalise` overrides): the stored band width or a wider one, province, region or nothing. */
      generalise: z
        .strictObject({
          ageBandYears: z.union([z.number().int().min(1).max(100), z.literal('none')]).optional(),
          province: z.enum(['keep', 'region', 'none']).optional(),
          gender: z.enum(['keep', 'none']).optional(),
          birthYear: z.enum(['keep', 'none']).optional(),
        })
        .default({}),
      /** The age hierarchy the k-anonymity check climbs, in years, after the stored band (then none). @default [10] */
      ageBandSteps: z.array(z.number().int().min(2).max(100)).max(10).default([10]),
      /** Business attributes that are quasi-identifying: counted in the classes, and dropped when the check needs it. */
      quasiAttributes: z.array(z.string().min(1).max(128)).max(20).default([]),
      /**
       * Share of the exported subjects the check may suppress instead of generalising a whole
       * column one step further. @default 0.05
       */
      maxSuppressedShare: z.number().min(0).max(1).default(0.05),
    })
    .default({ collectionJurisdiction: 'CN', k: 1, generalise: {}, ageBandSteps: [10], quasiAttributes: [], maxSuppressedShare: 0.05 }),
  /**
   * Retention periods in days, by project; `*` for every project not named. `sunder purge
   * --expired` erases records collected longer ago than their project's period (POLICY.md 3).
   * A project with no period (and no `*`) is kept. @default {}
   */
  retention: z.record(z.string(), z.number().int().min(1).max(36_500)).default({}),
  /** Records per ingest batch (one segment, one vault transaction). @default 1000 */
  batchSize: z.number().int().min(1).max(100_000).default(1000),
});

export type Policy = z.infer<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;

export const DEFAULT_POLICY: Policy = policySchema.parse({});

export function parsePolicy(input: unknown): Policy {
  // zod's record parser assigns keys, so a `__proto__` column name would vanish: refuse it by name.
  const forbidden = forbiddenKeyPath(input);
  if (forbidden !== undefined) throw new SunderError('CONFIG_INVALID', `policy: \`${forbidden}\`: key name not allowed`, { path: forbidden.split('.') });
  const parsed = policySchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // An unknown key is named with its own path: `csv.delimeter`, not `csv`.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const what = issue.code === 'unrecognized_keys' ? `unknown policy key${issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : ''}` : describeIssue(issue, input ?? {});
    throw new SunderError('CONFIG_INVALID', `policy: \`${formatPath(path)}\`: ${what}`, { path: path.map(String) });
  }
  return parsed.data;
}

export async function loadPolicy(path: string): Promise<Policy> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new SunderError('FILE_NOT_FOUND', `policy file not found: ${path}`);
  }
  // Strict, as input is: a GBK policy would otherwise map columns whose names are U+FFFD.
  if (!isUtf8(bytes)) throw new SunderError('INPUT_ENCODING', `policy file is not valid UTF-8: ${path}`);
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  try {
    return parsePolicy(JSON.parse(text));
  } catch (err) {
    if (err instanceof SunderError) throw err;
    throw new SunderError('CONFIG_INVALID', `policy file is not valid JSON: ${path}`);
  }
}
