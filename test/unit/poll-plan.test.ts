import { describe, expect, it } from 'vitest';
import { dueWindow, planTriggerSearches } from '../../src/campaigns/index.ts';
import { campaignFixture } from '../support/campaigns.ts';

const now = new Date('2026-11-26T12:00:00.000Z');
const hours = (n: number) => new Date(now.getTime() - n * 3_600_000);
const overlapMs = 5 * 60_000;

describe('poll plan', () => {
  it('searches each record type the criteria read for changes, and then the trigger of those patients', () => {
    const HOSPICE = 'urn:test:valueset:hospice';
    const expansions = new Map([
      [HOSPICE, { url: HOSPICE, version: '1', source: 'file' as const, codes: new Set(['http://snomed.info/sct|385763009']) }],
    ]);
    const campaign = campaignFixture({
      trigger: undefined,
      cohort: { resource: 'Condition', codes: ['http://snomed.info/sct|44054006'], status: ['active'] },
      repeat: 'P30D',
      when: { all: [{ lacks: { resource: 'Observation', codes: ['http://loinc.org|4548-4'], within: 'P180D' } }, { age: { min: 18 } }] },
      exclude: [
        { reason: 'hospice care', has: { resource: 'Procedure', valueSet: HOSPICE } },
        { reason: 'palliative care', has: { resource: 'Procedure', codes: ['http://snomed.info/sct|103735009'] } },
      ],
    });
    const state = { watermark: hours(2), lastPolledAt: hours(2), lastFullScanAt: hours(2) };
    const searches = planTriggerSearches(campaign, state, now, overlapMs, expansions);
    const changedSince = 'ge2026-11-26T09:55:00.000Z';
    const cohort = { code: 'http://snomed.info/sct|44054006', 'clinical-status': 'active' };
    expect(searches).toEqual([
      { resourceType: 'Condition', purpose: 'changed', params: { ...cohort, _lastUpdated: changedSince } },
      {
        resourceType: 'Observation',
        purpose: 'criteria-changed',
        params: { code: 'http://loinc.org|4548-4', _lastUpdated: changedSince },
        triggers: { resourceType: 'Condition', params: cohort },
      },
      {
        resourceType: 'Procedure',
        purpose: 'criteria-changed',
        // One search serves both exclusions: their codes are ORed, the value set's expanded.
        params: { code: 'http://snomed.info/sct|103735009,http://snomed.info/sct|385763009', _lastUpdated: changedSince },
        triggers: { resourceType: 'Condition', params: cohort },
      },
    ]);
    // The first poll, and a cohort's once-a-period scan, look at every patient: no change searches are needed.
    expect(planTriggerSearches(campaign, {}, now, overlapMs, expansions).map((search) => search.purpose)).toEqual(['full-window']);
  });

  it('scans the whole due window on the first poll', () => {
    const searches = planTriggerSearches(campaignFixture(), {}, now, overlapMs, new Map());
    expect(searches).toEqual([
      {
        resourceType: 'Procedure',
        purpose: 'full-window',
        params: { code: 'http://snomed.info/sct|18557009', status: 'completed', date: 'ge2026-11-23T12:00:00.000Z' },
      },
    ]);
  });

  it('asks only for changes since the watermark (minus the overlap) afterwards', () => {
    const searches = planTriggerSearches(campaignFixture(), { watermark: hours(2), lastPolledAt: hours(2) }, now, overlapMs, new Map());
    expect(searches).toHaveLength(1);
    expect(searches[0]).toMatchObject({ purpose: 'changed', params: { _lastUpdated: 'ge2026-11-26T09:55:00.000Z' } });
  });

  it('also searches resources that came due since the last poll when the trigger is delayed', () => {
    const campaign = campaignFixture({
      trigger: {
        resource: 'MedicationRequest',
        codes: ['http://www.nlm.nih.gov/research/umls/rxnorm|860975'],
        status: ['active'],
        delay: 'P14D',
        within: 'P7D',
      },
    });
    const searches = planTriggerSearches(campaign, { watermark: hours(24), lastPolledAt: hours(24) }, now, overlapMs, new Map());
    expect(searches.map((search) => search.purpose)).toEqual(['changed', 'newly-due']);
    expect(searches[0]?.params.authoredon).toEqual(['ge2026-11-05T12:00:00.000Z', 'le2026-11-12T12:00:00.000Z']);
    // Due = authored 14 days before now; the last poll (24 h ago) saw everything authored up to 15 days ago.
    expect(searches[1]?.params.authoredon).toEqual(['ge2026-11-11T11:55:00.000Z', 'le2026-11-12T12:00:00.000Z']);
  });

  it('uses clinical-status and onset-date for Conditions, and no date when there is no window', () => {
    const campaign = campaignFixture({
      trigger: {
        resource: 'Condition',
        codes: ['http://snomed.info/sct|44054006', 'http://hl7.org/fhir/sid/icd-10-cm|E11.9'],
        status: ['active'],
      },
      repeat: 'P30D',
    });
    const [search] = planTriggerSearches(campaign, {}, now, overlapMs, new Map());
    expect(search?.params).toEqual({
      code: 'http://snomed.info/sct|44054006,http://hl7.org/fhir/sid/icd-10-cm|E11.9',
      'clinical-status': 'active',
    });
  });

  it('rescans periodic campaigns once per period so unchanged patients are prompted again', () => {
    const campaign = campaignFixture({ repeat: 'P30D' });
    const recent = { watermark: hours(1), lastPolledAt: hours(1), lastFullScanAt: hours(24 * 10) };
    expect(planTriggerSearches(campaign, recent, now, overlapMs, new Map())[0]?.purpose).toBe('changed');
    const due = { ...recent, lastFullScanAt: hours(24 * 30) };
    expect(planTriggerSearches(campaign, due, now, overlapMs, new Map())[0]?.purpose).toBe('full-window');
  });

  it('computes the due window from delay and within', () => {
    expect(dueWindow({ resource: 'Procedure', codes: ['a|b'], status: ['completed'], within: 'P3D' }, now)).toEqual({ from: hours(72) });
    expect(dueWindow({ resource: 'Procedure', codes: ['a|b'], status: ['completed'], delay: 'P1D' }, now)).toEqual({ to: hours(24) });
  });

  it('leaves the window of Conditions to eligibility (onset or recorded date), and rescans delayed ones', () => {
    const trigger = { resource: 'Condition', codes: ['http://snomed.info/sct|44054006'], status: ['active'], within: 'P30D' };
    const recent = { watermark: hours(1), lastPolledAt: hours(1) };
    const [changed] = planTriggerSearches(campaignFixture({ trigger }), recent, now, overlapMs, new Map());
    expect(changed?.params).toEqual({
      code: 'http://snomed.info/sct|44054006',
      'clinical-status': 'active',
      _lastUpdated: 'ge2026-11-26T10:55:00.000Z',
    });
    const delayed = campaignFixture({ trigger: { ...trigger, delay: 'P7D' } });
    expect(planTriggerSearches(delayed, recent, now, overlapMs, new Map()).map((search) => search.purpose)).toEqual(['full-window']);
  });
});
