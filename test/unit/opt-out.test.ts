import { describe, expect, it } from 'vitest';
import { type LocalOptOut, optOutOf, optOutReason } from '../../src/campaigns/index.ts';
import { Consent, type ConsentProvision } from '../../src/fhir/index.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const OUTREACH = { system: 'urn:careprompt:consent', code: 'outreach-messaging' };
const CAREMGT = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'CAREMGT' };
const RESEARCH = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HRESCH' };
const REMINDER = { system: 'http://terminology.hl7.org/CodeSystem/communication-category', code: 'reminder' };
const rules = { outreachCodes: new Set([`${OUTREACH.system}|${OUTREACH.code}`, `${CAREMGT.system}|${CAREMGT.code}`]) };
const campaign = { id: 'wound-care', category: 'reminder' as const };

function consent(provision: ConsentProvision, extra: Record<string, unknown> = {}): Consent {
  return Consent.parse({ resourceType: 'Consent', id: '12', status: 'active', patient: { reference: 'Patient/p1' }, provision, ...extra });
}

const denying = (...coding: Array<{ system: string; code: string }>): ConsentProvision => ({ type: 'deny', code: [{ coding }] });
const decide = (consents: Consent[], local: LocalOptOut[] = [], subject = campaign) => optOutOf({ consents, local }, subject, NOW, rules);

describe('optOutOf: Consents', () => {
  it.each([
    { case: 'a deny naming the outreach code', provision: denying(OUTREACH), scope: 'all campaigns' },
    { case: 'a deny of the care-management purpose of use', provision: { type: 'deny', purpose: [CAREMGT] }, scope: 'all campaigns' },
    { case: "a deny naming the campaign's category", provision: denying(REMINDER), scope: 'category reminder' },
    {
      case: 'a deny naming the campaign',
      provision: denying({ system: 'urn:careprompt:campaign', code: 'wound-care' }),
      scope: 'campaign wound-care',
    },
    {
      case: 'a deny within its period',
      provision: { ...denying(OUTREACH), period: { start: '2026-11-01', end: '2026-12-01' } },
      scope: 'all campaigns',
    },
  ] satisfies Array<{ case: string; provision: ConsentProvision; scope: string }>)('opts out on $case', ({ provision, scope }) => {
    expect(decide([consent(provision)])).toEqual({ source: 'consent', ref: 'Consent/12', scope });
  });

  it.each([
    { case: 'a permit', consent: consent({ type: 'permit', code: [{ coding: [OUTREACH] }] }) },
    { case: 'an inactive Consent', consent: consent(denying(OUTREACH), { status: 'inactive' }) },
    { case: 'a proposed Consent', consent: consent(denying(OUTREACH), { status: 'proposed' }) },
    { case: 'an expired period', consent: consent({ ...denying(OUTREACH), period: { end: '2026-11-30' } }) },
    { case: 'a period not begun', consent: consent({ ...denying(OUTREACH), period: { start: '2026-12-02T00:00:00Z' } }) },
    { case: 'a deny of something else (research)', consent: consent({ type: 'deny', purpose: [RESEARCH] }) },
    { case: 'a deny naming another campaign', consent: consent(denying({ system: 'urn:careprompt:campaign', code: 'other' })) },
    { case: 'a deny naming another category (instruction)', consent: consent(denying({ ...REMINDER, code: 'instruction' })) },
    { case: 'a privacy deny that names nothing', consent: consent({ type: 'deny' }) },
    { case: 'a Consent without provision', consent: Consent.parse({ resourceType: 'Consent', id: '12', status: 'active' }) },
  ])('does not opt out on $case', ({ consent: given }) => {
    expect(decide([given])).toBeUndefined();
  });

  it('reads a bare deny in a Consent whose category is outreach messaging as every campaign', () => {
    expect(decide([consent({ type: 'deny' }, { category: [{ coding: [OUTREACH] }] })])?.scope).toBe('all campaigns');
  });

  it('lets a nested permit make an exception for one campaign, and a nested deny override a permit', () => {
    const exception = consent({
      ...denying(OUTREACH),
      provision: [{ type: 'permit', code: [{ coding: [{ system: 'urn:careprompt:campaign', code: 'wound-care' }] }] }],
    });
    expect(decide([exception])).toBeUndefined();
    expect(decide([exception], [], { id: 'diabetes', category: 'reminder' })?.scope).toBe('all campaigns');

    const nestedDeny = consent({ type: 'permit', provision: [{ type: 'permit', purpose: [RESEARCH] }, denying(REMINDER)] });
    expect(decide([nestedDeny])?.scope).toBe('category reminder');
  });

  it('ignores a nested provision out of its period', () => {
    const lapsedException = consent({
      ...denying(OUTREACH),
      provision: [{ type: 'permit', period: { end: '2026-11-01' }, code: [{ coding: [REMINDER] }] }],
    });
    expect(decide([lapsedException])?.scope).toBe('all campaigns');
  });

  it('lets a deny win over a permit among Consents', () => {
    const permit = consent({ type: 'permit', code: [{ coding: [OUTREACH] }] }, { id: '11' });
    expect(decide([permit, consent(denying(OUTREACH))])?.ref).toBe('Consent/12');
  });
});

describe('optOutOf: local opt-outs', () => {
  it('opts out for every campaign, or for the one named', () => {
    const all = { patientRef: 'Patient/p1', campaignId: null };
    const one = { patientRef: 'Patient/p1', campaignId: 'wound-care' };
    expect(decide([], [all])).toEqual({ source: 'local', ref: 'Patient/p1', scope: 'all campaigns' });
    expect(decide([], [one])).toEqual({ source: 'local', ref: 'Patient/p1', scope: 'campaign wound-care' });
    expect(decide([], [one], { id: 'diabetes', category: 'reminder' })).toBeUndefined();
  });

  it('names the source in the reason', () => {
    expect(optOutReason({ source: 'local', ref: 'Patient/p1', scope: 'all campaigns' })).toBe('opted-out: local, all campaigns');
    expect(optOutReason({ source: 'consent', ref: 'Consent/12', scope: 'category reminder' })).toBe(
      'opted-out: consent Consent/12, category reminder',
    );
  });
});
