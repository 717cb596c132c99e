/** Options of the scanner and of one scan call. */
import type { CustomRecognizer } from './custom.js';
import type { KnownMatcher } from './known.js';
import type { EntityKind } from './types.js';

export interface ScannerOptions {
  /**
   * Built-in kinds to switch off (their candidates are never reported).
   * @default []
   * @example { disable: ['ADDRESS', 'PLATE'] }
   */
  disable?: readonly EntityKind[];
  /** Extra recognizers from the policy. Each runs as its own sweep after the built-in pass. */
  recognizers?: readonly CustomRecognizer[];
  /**
   * Report an ID-shaped number with a real province and birth date but a wrong check character
   * as `CN_ID_PROBABLE` (it is most likely a mistyped ID number, so it is masked by default).
   * @default true
   */
  probableIdAsId?: boolean;
  /**
   * Findings below this score are dropped after overlap resolution.
   * @default 0
   */
  minScore?: number;
}

export interface ScanContext {
  /** The subject's compiled identity values (from `Scanner.compileKnown`). */
  known?: KnownMatcher;
  /**
   * Date of the document: an ID number whose birth date lies after it is not an ID number.
   * `Date` or `YYYY-MM-DD`. @default today
   */
  documentDate?: Date | string;
}
