/**
 * The context strings objects are sealed under (FORMAT.md §3): never stored, only their MAC tag,
 * so a reader must know what it expects to open. Format 2 binds each object to the vault row
 * that points at it (record, subject, project), so a row swapped to point at another record's
 * object fails to open (`FORMAT_CONTEXT`, reported by export as `TAMPER_BINDING`).
 *
 * The parts are pseudonyms (`p_` + base64url), subject ids (hex), record ids and project names
 * (letters, digits and `. _ : -`, src/record/schema.ts) and media kinds: none holds a `|`, so
 * joining them with `|` is unambiguous. None is personal data.
 */

/** Which context scheme a business object (and its media) was sealed under. */
export type Binding = 1 | 2;

/** A business object: `business|<pseudonym>|<project>|<recordId>` (v1: `business|<pseudonym>`). */
export function businessContext(binding: Binding, pseudonym: string, project: string, recordId: string): string {
  return binding === 1 ? `business|${pseudonym}` : `business|${pseudonym}|${project}|${recordId}`;
}

/** A media object: `media|<pseudonym>|<project>|<recordId>|<kind>` (v1: `media|<pseudonym>`). */
export function mediaContext(binding: Binding, pseudonym: string, project: string, recordId: string, kind: string): string {
  return binding === 1 ? `media|${pseudonym}` : `media|${pseudonym}|${project}|${recordId}|${kind}`;
}

/**
 * An identity entry: `identity|<subjectId>`, the same string in both versions; in format 2 it is
 * sealed to the subject's identity key (officer only), in format 1 to the business key.
 */
export function identityContext(subjectId: string): string {
  return `identity|${subjectId}`;
}
