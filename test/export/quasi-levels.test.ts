/** The generalisation hierarchies: bands only widen, provinces map to their region, bad specs are named. */
import { describe, expect, it } from 'vitest';
import { parseGeneralise, quasiPlan, regionOf, widenBand } from '../../src/export/quasi-levels.js';
import { DEFAULT_POLICY } from '../../src/record/policy.js';

describe('quasi-identifier hierarchies', () => {
  it('widens age bands along the hierarchy and never narrows them', () => {
    expect(widenBand('30-34', 10)).toBe('30-39');
    expect(widenBand('35-39', 10)).toBe('30-39');
    expect(widenBand('35-39', 20)).toBe('20-39');
    expect(widenBand('30-34', 1)).toBe('30-34');
    expect(widenBand('unknown', 10)).toBe('unknown');
    expect(widenBand('34', 5)).toBe('30-34');
  });

  it('maps provinces to their region by the code\'s first digit', () => {
    expect(regionOf('Beijing')).toBe('North');
    expect(regionOf('Shanghai')).toBe('East');
    expect(regionOf('Guangdong')).toBe('South Central');
    expect(regionOf('Xinjiang')).toBe('Northwest');
    expect(regionOf('Atlantis')).toBe('unknown');
  });

  it('climbs age: stored band, 10 years, none; province: province, region, none', () => {
    const plan = quasiPlan(DEFAULT_POLICY);
    const q = { ageBand: '30-34', province: 'Sichuan', gender: 'female' };
    const age = plan.dimensions.find((d) => d.name === 'age')!;
    const province = plan.dimensions.find((d) => d.name === 'province')!;
    expect(Array.from({ length: age.levels }, (_, l) => age.valueAt(q, {}, l))).toEqual(['30-34', '30-39', '*']);
    expect(Array.from({ length: province.levels }, (_, l) => province.valueAt(q, {}, l))).toEqual(['Sichuan', 'Southwest', '*']);
    // Birth year goes out only when asked for.
    expect(plan.start[plan.dimensions.findIndex((d) => d.name === 'birthYear')]).toBe(1);
  });

  it('parses --generalise and names the bad part', () => {
    expect(parseGeneralise('age=10,province=region,gender=none')).toEqual({ ageBandYears: 10, province: 'region', gender: 'none' });
    expect(parseGeneralise('age=none')).toEqual({ ageBandYears: 'none' });
    expect(() => parseGeneralise('age=10,colour=blue')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', path: ['generalise', 1] }));
  });
});
