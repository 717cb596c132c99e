import { describe, expect, it } from 'vitest';
import { cnIdCheckChar } from '../../src/id/cn-id.js';
import { fullYears, gateRecord } from '../../src/pipeline/gate.js';
import { DEFAULT_POLICY } from '../../src/record/policy.js';
import { collectedRecordSchema, type CollectedRecordInput } from '../../src/record/schema.js';

/** A valid synthetic ID for a birth date (region 110105, Beijing Chaoyang). */
function id(birth: string, seq = '123'): string {
  const first17 = `110105${birth.replaceAll('-', '')}${seq}`;
  return first17 + cnIdCheckChar(first17);
}

function rec(over: { subject?: Partial<CollectedRecordInput['subject']>; consent?: Partial<NonNullable<CollectedRecordInput['consent']>> | null; business?: CollectedRecordInput['business'] } = {}) {
  const input: CollectedRecordInput = {
    recordId: 'rec-1',
    project: 'proj',
    collectedAt: '2022-01-05T10:12:00+08:00',
    subject: { name: '测试甲', birthDate: '1990-03-07', phone: '+86 139 0000 0001', ...over.subject },
    ...(over.consent === null ? {} : { consent: { policyVersion: '2022-01', grantedAt: '2022-01-05T10:00:00+08:00', scopes: ['text', 'voice'], ...over.consent } }),
    business: over.business ?? { text: { sms: 'hello' } },
  };
  return gateRecord(collectedRecordSchema.parse(input), DEFAULT_POLICY);
}

const code = (r: ReturnType<typeof rec>) => (r.ok ? 'OK' : `${r.rejection.code} ${r.rejection.path}`);

describe('gate', () => {
  it.each([
    ['an adult with consent', {}, 'OK'],
    ['no consent block', { consent: null }, 'CONSENT_MISSING consent'],
    ['text without the text scope', { consent: { scopes: ['voice' as const] } }, 'CONSENT_SCOPE business.text.sms'],
    ['audio without the voice scope', { consent: { scopes: ['text' as const] }, business: { media: [{ kind: 'audio' as const, path: 'a.wav' }] } }, 'CONSENT_SCOPE business.media.0.kind'],
    ['withdrawn consent', { consent: { withdrawnAt: '2022-01-06T00:00:00Z' } }, 'CONSENT_WITHDRAWN consent.withdrawnAt'],
    ['no identifier', { subject: { phone: undefined } }, 'SUBJECT_UNIDENTIFIED subject'],
    ['a wrong check character', { subject: { idNumber: id('1990-03-07').slice(0, 17) + (id('1990-03-07').endsWith('1') ? '2' : '1') } }, 'ID_NUMBER_INVALID subject.idNumber'],
    ['an ID with no real date', { subject: { idNumber: (() => { const f = '110105199002301230'.slice(0, 17); return f + cnIdCheckChar(f); })() } }, 'ID_NUMBER_INVALID subject.idNumber'],
    ['a phone that is no number', { subject: { phone: 'call me' } }, 'PHONE_INVALID subject.phone'],
    ['an email without a domain', { subject: { email: 'someone@' } }, 'EMAIL_INVALID subject.email'],
    ['a child of 10 without guardian consent', { subject: { birthDate: '2011-06-01' } }, 'MINOR_NO_GUARDIAN_CONSENT consent.guardianConsent'],
    ['a child with consent but no guardian named', { subject: { birthDate: '2011-06-01' }, consent: { guardianConsent: true } }, 'MINOR_NO_GUARDIAN_CONSENT subject.guardian'],
    ['a child with guardian consent and guardian', { subject: { birthDate: '2011-06-01', guardian: { name: '测试乙', relation: 'mother', phone: '13900000002' } }, consent: { guardianConsent: true } }, 'OK'],
    ['a child known only by the ID number', { subject: { birthDate: undefined, idNumber: id('2012-02-02') } }, 'MINOR_NO_GUARDIAN_CONSENT consent.guardianConsent'],
    ['turning 14 on the collection day', { subject: { birthDate: '2008-01-05' } }, 'OK'],
    ['turning 14 the day after collection', { subject: { birthDate: '2008-01-06' } }, 'MINOR_NO_GUARDIAN_CONSENT consent.guardianConsent'],
  ])('%s', (_name, over, expected) => {
    expect(code(rec(over as Parameters<typeof rec>[0]))).toBe(expected);
  });

  it('lets a record that shows no age through only provisionally: the vault must know the subject as an adult', () => {
    const r = rec({ subject: { birthDate: undefined } });
    expect(r.ok && r.gated.needsKnownAdult).toBe(true);
    const withGuardian = rec({ subject: { birthDate: undefined, guardian: { name: '测试乙', relation: 'father', phone: '13900000002' } }, consent: { guardianConsent: true } });
    expect(withGuardian.ok && withGuardian.gated.needsKnownAdult).toBe(false);
    expect(code(rec({ subject: { birthDate: undefined }, consent: { guardianConsent: true } }))).toBe('MINOR_NO_GUARDIAN_CONSENT subject.guardian');
  });

  it('normalises identifiers and derives quasi-identifiers from the ID number', () => {
    const r = rec({ subject: { birthDate: undefined, idNumber: id('1990-03-07', '124').toLowerCase().replace(/(\d{6})(\d{8})/, '$1 $2 '), phone: '0086-139-0000-0001', email: 'Someone@Example.COM' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.gated.ids).toEqual({ cnId: id('1990-03-07', '124'), phone: '13900000001', email: 'someone@example.com' });
    expect(r.gated).toMatchObject({ age: 31, province: 'Beijing', gender: 'female' });
  });

  it('never puts the offending value into the rejection', () => {
    const bad = '110105199003071231';
    const r = rec({ subject: { idNumber: bad } });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain(bad);
  });

  it('counts full years at the local calendar date', () => {
    expect(fullYears('2000-02-29', '2014-02-28')).toBe(13);
    expect(fullYears('2000-02-29', '2014-03-01')).toBe(14);
    expect(fullYears('1990-12-31', '2022-01-05')).toBe(31);
  });
});
