/**
 * The quasi-identifiers an export carries and the hierarchies they are generalised along
 * (FORMAT.md "Generalisation on the way out"): the age band widens (the stored 5-year band, a
 * 10-year band, ... none), the province becomes its region and then nothing, gender, birth year
 * and each attribute the policy marks quasi-identifying are kept or dropped. Level 0 is a
 * dimension's finest value the export allows; its last level is always "none" (`*`).
 */
import { PROVINCES } from '../id/cn-id.js';
import type { Policy } from '../record/policy.js';
import type { Quasi } from '../pipeline/split.js';
import { SunderError } from '../errors.js';

/** Written for a dimension that is not disclosed. */
export const NONE = '*';
/** Written for a dimension the record has no value for (a class of its own). */
export const ABSENT = '';

export interface Dimension {
  /** `age`, `province`, `gender`, `birthYear` or `attr:<name>`. */
  name: string;
  /** Number of levels, the last being none. */
  levels: number;
  /** The value of one record at a level. */
  valueAt(quasi: Quasi, attributes: Record<string, unknown>, level: number): string;
}

/** The seven statistical regions of mainland China by the first digit of the GB/T 2260 code (8: Hong Kong, Macau). */
const REGION_BY_DIGIT: Record<string, string> = {
  '1': 'North', '2': 'Northeast', '3': 'East', '4': 'South Central', '5': 'Southwest', '6': 'Northwest', '7': 'Taiwan', '8': 'Hong Kong and Macau',
};
const REGION_OF = new Map(Object.entries(PROVINCES).map(([code, name]) => [name, REGION_BY_DIGIT[code[0]!] ?? 'unknown']));

export function regionOf(province: string): string {
  return REGION_OF.get(province) ?? 'unknown';
}

/** `30-34` -> [30, 5]; `34` -> [34, 1]; anything else (e.g. `unknown`) undefined. */
function parseBand(band: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(band);
  if (m === null) return undefined;
  const lo = Number(m[1]);
  return [lo, m[2] === undefined ? 1 : Number(m[2]) - lo + 1];
}

/** A stored band widened to `width` years (never narrowed: a 5-year band cannot become a 1-year one). */
export function widenBand(band: string, width: number): string {
  const parsed = parseBand(band);
  if (parsed === undefined) return band;
  const [lo, stored] = parsed;
  if (width <= stored) return band;
  const start = Math.floor(lo / width) * width;
  return `${start}-${start + width - 1}`;
}

export interface GeneraliseStart {
  ageBandYears?: number | 'none';
  province?: 'keep' | 'region' | 'none';
  gender?: 'keep' | 'none';
  birthYear?: 'keep' | 'none';
}

/** `age=10,province=region,gender=none` -> the start levels; a usage error names the bad part. */
export function parseGeneralise(spec: string): GeneraliseStart {
  const out: GeneraliseStart = {};
  spec.split(',').filter((p) => p !== '').forEach((part, i) => {
    const [key, value] = part.split('=');
    const bad = () => new SunderError('CONFIG_INVALID', `generalise: part ${i + 1} is not one of age=N|none, province=keep|region|none, gender=keep|none, birthYear=keep|none`, { path: ['generalise', i] });
    if (key === 'age') {
      if (value === 'none') out.ageBandYears = 'none';
      else if (value !== undefined && /^\d{1,3}$/.test(value) && Number(value) >= 1) out.ageBandYears = Number(value);
      else throw bad();
    } else if (key === 'province' && (value === 'keep' || value === 'region' || value === 'none')) out.province = value;
    else if (key === 'gender' && (value === 'keep' || value === 'none')) out.gender = value;
    else if (key === 'birthYear' && (value === 'keep' || value === 'none')) out.birthYear = value;
    else throw bad();
  });
  return out;
}

export interface QuasiPlan {
  dimensions: Dimension[];
  /** Where each dimension starts (the export's own generalisation, before the k-anonymity check). */
  start: number[];
}

function keepOrNone(name: string, get: (q: Quasi, a: Record<string, unknown>) => unknown): Dimension {
  return {
    name,
    levels: 2,
    valueAt(q, a, level) {
      if (level >= 1) return NONE;
      const v = get(q, a);
      return v === undefined || v === null ? ABSENT : String(v);
    },
  };
}

/** The dimensions and start levels of an export under its policy and `--generalise`. */
export function quasiPlan(policy: Pick<Policy, 'export'>, override: GeneraliseStart = {}): QuasiPlan {
  const g = { ...policy.export.generalise, ...override };
  const widths = [...new Set(policy.export.ageBandSteps)].sort((a, b) => a - b);
  // Level 0 is the stored band (or the export's wider start), then each wider step, then none.
  const startWidth = g.ageBandYears === 'none' ? undefined : g.ageBandYears;
  const steps = startWidth === undefined ? widths : [startWidth, ...widths.filter((w) => w > startWidth)];
  const ageSteps: (number | undefined)[] = startWidth === undefined ? [undefined, ...steps] : steps;
  const age: Dimension = {
    name: 'age',
    levels: ageSteps.length + 1,
    valueAt(q, _a, level) {
      if (level >= ageSteps.length) return NONE;
      const w = ageSteps[level];
      return w === undefined ? q.ageBand : widenBand(q.ageBand, w);
    },
  };
  const province: Dimension = {
    name: 'province',
    levels: 3,
    valueAt(q, _a, level) {
      if (level >= 2) return NONE;
      if (q.province === undefined) return ABSENT;
      return level === 1 ? regionOf(q.province) : q.province;
    },
  };
  const dimensions = [
    age,
    province,
    keepOrNone('gender', (q) => q.gender),
    keepOrNone('birthYear', (q) => q.birthYear),
    ...policy.export.quasiAttributes.map((name) => keepOrNone(`attr:${name}`, (_q, a) => (Object.hasOwn(a, name) ? a[name] : undefined))),
  ];
  const start = dimensions.map((d) => {
    if (d.name === 'age') return g.ageBandYears === 'none' ? d.levels - 1 : 0;
    if (d.name === 'province') return g.province === 'none' ? 2 : g.province === 'region' ? 1 : 0;
    if (d.name === 'gender') return g.gender === 'none' ? 1 : 0;
    // Birth year is finer than any band: it goes out only when the export asks for it.
    if (d.name === 'birthYear') return g.birthYear === 'keep' ? 0 : 1;
    return 0;
  });
  return { dimensions, start };
}

/** One record's tuple at the given levels. */
export function tupleAt(plan: QuasiPlan, quasi: Quasi, attributes: Record<string, unknown>, levels: readonly number[]): string[] {
  return plan.dimensions.map((d, i) => d.valueAt(quasi, attributes, levels[i]!));
}

/** A tuple as one string: dimension names and values, so tuples of exports with other dimensions never collide. */
export function tupleKey(plan: QuasiPlan, tuple: readonly string[]): string {
  return JSON.stringify(plan.dimensions.map((d, i) => [d.name, tuple[i]]));
}

/** What the line carries: the quasi fields at their levels (none: left out) and attributes without dropped ones. */
export function generalisedFields(
  plan: QuasiPlan, quasi: Quasi, attributes: Record<string, unknown>, levels: readonly number[],
): { quasi: Record<string, string | number>; attributes: Record<string, unknown>; changed: boolean } {
  const outQuasi: Record<string, string | number> = {};
  const outAttributes: Record<string, unknown> = { ...attributes };
  let changed = false;
  plan.dimensions.forEach((d, i) => {
    const v = d.valueAt(quasi, attributes, levels[i]!);
    if (d.name.startsWith('attr:')) {
      if (v === NONE && Object.hasOwn(outAttributes, d.name.slice(5))) {
        delete outAttributes[d.name.slice(5)];
        changed = true;
      }
      return;
    }
    const stored = d.name === 'age' ? quasi.ageBand : (quasi as unknown as Record<string, string | number | undefined>)[d.name];
    if (v === NONE || v === ABSENT) {
      if (stored !== undefined) changed = true;
      return;
    }
    outQuasi[d.name === 'age' ? 'ageBand' : d.name === 'province' && levels[i] === 1 ? 'region' : d.name] = d.name === 'birthYear' ? Number(v) : v;
    if (v !== String(stored ?? '')) changed = true;
  });
  return { quasi: outQuasi, attributes: outAttributes, changed };
}
