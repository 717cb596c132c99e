/** The scanner's working list: raw candidate spans before overlap resolution. */
import type { EntityKind } from './types.js';

export interface Candidate {
  kind: EntityKind;
  start: number;
  end: number;
  score: number;
}

/** Scores: 1 for checksum-validated, >= 0.9 for exact structural formats, lower for cue-based. */
export const SCORE = {
  checksum: 1,
  structure: 0.95,
  shaped: 0.85,
  landline: 0.8,
  cued: 0.75,
  name: 0.7,
  probable: 0.6,
} as const;

/** At or above this score a candidate counts as validated when overlaps are resolved. */
export const VALIDATED = 0.9;
