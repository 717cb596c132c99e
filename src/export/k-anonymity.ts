/**
 * The k-anonymity check of an export (FORMAT.md "k-anonymity"), over the union of what the
 * recipient already holds and this export. Pseudonyms are stable per recipient, so a recipient
 * links a subject's records across deliveries: what it knows of a subject is the set of every
 * quasi-identifier tuple it was ever given for them. A subject's class is that set; a class
 * needs at least k subjects. Sets are compared exactly, which splits classes a cleverer count
 * would merge (a subject known as `30-34` and as `30-39` is its own class): the check errs on
 * the side of the subject.
 *
 * The search is global recoding, greedy: from the export's start levels, while more subjects
 * sit in classes under k than the suppression budget allows, the one dimension whose next step
 * leaves the fewest such subjects is generalised one step; subjects still under k at the end
 * are suppressed (all their records in this export are left out). Memory is per subject (its
 * prior tuples and its distinct tuples at the start level), never per record.
 */
import type { QuasiPlan } from './quasi-levels.js';
import { tupleKey } from './quasi-levels.js';

interface SubjectKnowledge {
  /** Tuple keys the recipient was given before (from the ledger), sorted. */
  prior: string[];
  /** This export's distinct base tuples (values at level 0 of every dimension, by dimension). */
  current: string[][][];
}

export interface KResult {
  levels: number[];
  suppressed: Set<string>;
  /** The smallest class holding a subject of this export, after suppression (0: none exported). */
  smallestClass: number;
  /** Dimensions generalised beyond the export's start, by name -> levels climbed. */
  steps: Record<string, number>;
}

export class KAnonymity {
  private readonly subjects = new Map<string, SubjectKnowledge>();

  /**
   * `valuesOf(tuple, level)` is not stored: each current tuple keeps every dimension's values at
   * every level (a few short strings), so a level change needs no second decryption.
   */
  constructor(private readonly plan: QuasiPlan, private readonly k: number, private readonly maxSuppressedShare: number) {}

  addPrior(subjectId: string, keys: Iterable<string>): void {
    const s = this.entry(subjectId);
    s.prior = [...new Set([...s.prior, ...keys])].sort();
  }

  /** `values[d][level]`: the record's value of dimension d at each of its levels. */
  addCurrent(subjectId: string, values: string[][]): void {
    const s = this.entry(subjectId);
    const sig = JSON.stringify(values);
    if (!s.current.some((c) => JSON.stringify(c) === sig)) s.current.push(values);
  }

  private entry(subjectId: string): SubjectKnowledge {
    let s = this.subjects.get(subjectId);
    if (s === undefined) this.subjects.set(subjectId, (s = { prior: [], current: [] }));
    return s;
  }

  /** The tuple keys of a subject's current records at `levels`. */
  currentKeys(s: SubjectKnowledge, levels: readonly number[]): string[] {
    return s.current.map((values) => tupleKey(this.plan, values.map((v, d) => v[Math.min(levels[d]!, v.length - 1)]!)));
  }

  private classOf(s: SubjectKnowledge, levels: readonly number[] | undefined): string {
    const keys = levels === undefined ? s.prior : [...new Set([...s.prior, ...this.currentKeys(s, levels)])].sort();
    return keys.join('\n');
  }

  /** Class sizes over the union; suppressed subjects count with what they held before only. */
  private classes(levels: readonly number[], suppressed: ReadonlySet<string>): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const [id, s] of this.subjects) {
      const current = s.current.length > 0 && !suppressed.has(id);
      if (!current && s.prior.length === 0) continue;
      const c = this.classOf(s, current ? levels : undefined);
      sizes.set(c, (sizes.get(c) ?? 0) + 1);
    }
    return sizes;
  }

  /** Subjects of this export whose class is under k. */
  private undersized(levels: readonly number[]): string[] {
    const sizes = this.classes(levels, new Set());
    const out: string[] = [];
    for (const [id, s] of this.subjects) {
      if (s.current.length > 0 && (sizes.get(this.classOf(s, levels)) ?? 0) < this.k) out.push(id);
    }
    return out;
  }

  solve(start: readonly number[]): KResult {
    const levels = [...start];
    const exported = [...this.subjects.values()].filter((s) => s.current.length > 0).length;
    const budget = Math.floor(exported * this.maxSuppressedShare);
    let under = this.k <= 1 ? [] : this.undersized(levels);
    while (under.length > budget) {
      let best: { d: number; under: string[] } | undefined;
      this.plan.dimensions.forEach((dim, d) => {
        if (levels[d]! >= dim.levels - 1) return;
        const trial = [...levels];
        trial[d]!++;
        const u = this.undersized(trial);
        if (best === undefined || u.length < best.under.length) best = { d, under: u };
      });
      if (best === undefined) break;
      levels[best.d]!++;
      under = best.under;
    }
    const suppressed = new Set(under);
    const sizes = this.classes(levels, suppressed);
    let smallest = 0;
    for (const [id, s] of this.subjects) {
      if (s.current.length === 0 || suppressed.has(id)) continue;
      const n = sizes.get(this.classOf(s, levels)) ?? 0;
      if (smallest === 0 || n < smallest) smallest = n;
    }
    const steps: Record<string, number> = {};
    this.plan.dimensions.forEach((dim, d) => {
      if (levels[d]! > start[d]!) steps[dim.name] = levels[d]! - start[d]!;
    });
    return { levels, suppressed, smallestClass: smallest, steps };
  }
}

/** A record's values of every dimension at every level (what `addCurrent` takes). */
export function valuesByLevel(plan: QuasiPlan, valueAt: (d: number, level: number) => string): string[][] {
  return plan.dimensions.map((dim, d) => Array.from({ length: dim.levels }, (_, level) => valueAt(d, level)));
}
