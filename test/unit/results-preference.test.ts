import { describe, expect, it } from 'vitest';
import { Campaign, type LocalResultsPreference, resultsHoldReason, resultsPreferenceOf } from '../../src/campaigns/index.ts';
import { Consent, type ConsentProvision } from '../../src/fhir/index.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const RESULTS = { system: 'urn:careprompt:consent', code: 'results-by-message' };
const OUTREACH = { system: 'urn:careprompt:consent', code: 'outreach-messaging' };
const rules = { consentCodes: new Set([`${RESULTS.system}|${RESULTS.code}`]) };

function consent(provision: ConsentProvision, extra: Record<string, unknown> = {}): Consent {
  return Consent.parse({ resourceType: 'Consent', id: '7', status: 'active', patient: { reference: 'Patient/p1' }, provision, ...extra });
}

const permit = (extra: Partial<ConsentProvision> = {}): ConsentProvision => ({ type: 'permit', code: [{ coding: [RESULTS] }], ...extra });
const deny = (extra: Partial<ConsentProvision> = {}): ConsentProvision => ({ type: 'deny', code: [{ coding: [RESULTS] }], ...extra });
const preferenceOf = (consents: Consent[], localResults?: LocalResultsPreference) =>
  resultsPreferenceOf({ consents, localResults }, NOW, rules);

describe('resultsPreferenceOf: Consents', () => {
  it('reads a permit of the results code, in force, as a yes', () => {
    expect(preferenceOf([consent(permit())])).toEqual({ byMessage: true, source: 'consent', ref: 'Consent/7' });
    expect(preferenceOf([consent(permit({ period: { start: '2026-11-01', end: '2026-12-01' } }))])?.byMessage).toBe(true);
  });

  it('reads a deny of the results code as a no', () => {
    expect(preferenceOf([consent(deny())])).toEqual({ byMessage: false, source: 'consent', ref: 'Consent/7' });
  });

  it('lets a deny win over a permit, among Consents and among sibling provisions', () => {
    expect(preferenceOf([consent(permit(), { id: '6' }), consent(deny())])).toEqual({
      byMessage: false,
      source: 'consent',
      ref: 'Consent/7',
    });
    expect(preferenceOf([consent({ type: 'permit', provision: [permit(), deny()] })])?.byMessage).toBe(false);
  });

  it('lets a nested deny in force override its permit, and not once its period is over', () => {
    expect(preferenceOf([consent(permit({ provision: [{ type: 'deny' }] }))])?.byMessage).toBe(false);
    expect(preferenceOf([consent(permit({ provision: [{ type: 'deny', period: { end: '2026-11-30' } }] }))])?.byMessage).toBe(true);
  });

  it('reads a bare permit in a Consent whose category is the results code', () => {
    expect(preferenceOf([consent({ type: 'permit' }, { category: [{ coding: [RESULTS] }] })])?.byMessage).toBe(true);
  });

  it.each([
    { case: 'an expired permit', consent: consent(permit({ period: { end: '2026-11-30' } })) },
    { case: 'a permit not begun', consent: consent(permit({ period: { start: '2026-12-02T00:00:00Z' } })) },
    { case: 'an inactive Consent', consent: consent(permit(), { status: 'inactive' }) },
    { case: 'a permit of outreach messaging (not results)', consent: consent({ type: 'permit', code: [{ coding: [OUTREACH] }] }) },
    { case: 'a permit that names nothing', consent: consent({ type: 'permit' }) },
  ])('has no preference from $case', ({ consent: given }) => {
    expect(preferenceOf([given])).toBeUndefined();
  });
});

describe('resultsPreferenceOf: the local preference', () => {
  it("is the patient's latest word: it overrides a Consent either way", () => {
    const yes = { patientRef: 'Patient/p1', byMessage: true };
    const no = { patientRef: 'Patient/p1', byMessage: false };
    expect(preferenceOf([consent(permit())], no)).toEqual({ byMessage: false, source: 'local', ref: 'Patient/p1' });
    expect(preferenceOf([consent(deny())], yes)).toEqual({ byMessage: true, source: 'local', ref: 'Patient/p1' });
    expect(preferenceOf([], yes)?.byMessage).toBe(true);
  });
});

describe('resultsHoldReason', () => {
  const base = {
    id: 'a1c-result',
    name: 'A1c result',
    schedule: { cron: '0 9 * * *' },
    template: 'a1c-result',
    trigger: { resource: 'Observation', codes: ['http://loinc.org|4548-4'], status: ['final'], value: { ge: 9, unit: '%' } },
    resultsMessaging: 'patient-preference',
  };
  const campaign = Campaign.parse(base);
  const hold = (localResults?: LocalResultsPreference, consents: Consent[] = [], subject = campaign) =>
    resultsHoldReason(subject, { consents, localResults }, NOW, rules);

  it('holds a result for a patient without a yes, saying why', () => {
    expect(hold()).toBe('held for review: no results-by-message preference');
    expect(hold({ patientRef: 'Patient/p1', byMessage: false })).toBe('held for review: results by message declined (local)');
    expect(hold(undefined, [consent(deny())])).toBe('held for review: results by message declined (consent Consent/7)');
  });

  it('holds nothing for a patient who said yes', () => {
    expect(hold({ patientRef: 'Patient/p1', byMessage: true })).toBeUndefined();
    expect(hold(undefined, [consent(permit())])).toBeUndefined();
  });

  it('holds nothing for a campaign without a value test, or one whose results are always reviewed', () => {
    const noValue = Campaign.parse({ ...base, trigger: { ...base.trigger, value: undefined } });
    const reviewed = Campaign.parse({ ...base, resultsMessaging: 'review', review: 'required' });
    expect(hold(undefined, [], noValue)).toBeUndefined();
    expect(hold(undefined, [], reviewed)).toBeUndefined();
  });
});
