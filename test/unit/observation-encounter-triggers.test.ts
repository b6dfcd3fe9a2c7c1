import { describe, expect, it } from 'vitest';
import { triggerMatches } from '../../src/campaigns/index.ts';
import type { Encounter, Observation } from '../../src/triggers/index.ts';
import { triggerSearchParams } from '../../src/triggers/index.ts';
import { campaignFixture } from '../support/campaigns.ts';

const now = new Date('2026-11-26T12:00:00.000Z');
const NO_VALUE_SETS = new Map();
const HBA1C = 'http://loinc.org|4548-4';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const SNOMED = 'http://snomed.info/sct';

const hba1cCampaign = (value: Record<string, unknown>) =>
  campaignFixture({
    id: 'hba1c-high',
    trigger: { resource: 'Observation', codes: [HBA1C], status: ['final', 'amended', 'corrected'], within: 'P30D', value },
    review: 'required',
  });

const observation = (valueQuantity: Observation['valueQuantity'], overrides: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  id: 'obs1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-11-20T09:00:00Z',
  valueQuantity,
  ...overrides,
});

describe('an Observation trigger with a value test', () => {
  const campaign = hba1cCampaign({ ge: 9, unit: '%' });
  const ucum = (value: number, code: string) => ({ value, unit: code, system: 'http://unitsofmeasure.org', code });

  it('prompts for a result that passes the test, in its unit or converted', () => {
    expect(triggerMatches(campaign, observation(ucum(9.4, '%')), now, NO_VALUE_SETS)).toEqual({ kind: 'prompt' });
    expect(triggerMatches(campaign, observation(ucum(75, 'mmol/mol')), now, NO_VALUE_SETS)).toEqual({ kind: 'prompt' });
  });

  it('is no match, with the reason, for a value below the bound or one it cannot judge', () => {
    expect(triggerMatches(campaign, observation(ucum(8.1, '%')), now, NO_VALUE_SETS)).toEqual({
      kind: 'no-match',
      reason: '8.1 % is not ≥ 9 %',
    });
    expect(triggerMatches(campaign, observation(undefined), now, NO_VALUE_SETS)).toEqual({ kind: 'no-match', reason: 'no valueQuantity' });
    const glucose = hba1cCampaign({ ge: 7, unit: 'mmol/L' });
    expect(triggerMatches(glucose, observation(ucum(140, 'mg/dL')), now, NO_VALUE_SETS)).toMatchObject({
      kind: 'no-match',
      reason: expect.stringContaining('unit mg/dL cannot be converted to mmol/L'),
    });
  });

  it('judges the status and the window as for any trigger (a preliminary result is not yet one)', () => {
    expect(triggerMatches(campaign, observation(ucum(9.4, '%'), { status: 'preliminary' }), now, NO_VALUE_SETS)).toEqual({
      kind: 'no-match',
      reason: 'status preliminary is not allowed',
    });
    expect(triggerMatches(campaign, observation(ucum(9.4, '%'), { status: 'amended' }), now, NO_VALUE_SETS).kind).toBe('prompt');
    expect(triggerMatches(campaign, observation(ucum(9.4, '%'), { effectiveDateTime: '2026-10-01' }), now, NO_VALUE_SETS)).toEqual({
      kind: 'no-match',
      reason: 'dated before the window',
    });
  });

  it('without a value test, any value matches', () => {
    const anyValue = campaignFixture({ trigger: { resource: 'Observation', codes: [HBA1C], status: ['final'], within: 'P30D' } });
    expect(triggerMatches(anyValue, observation(undefined), now, NO_VALUE_SETS).kind).toBe('prompt');
  });
});

describe('an Encounter trigger', () => {
  const search = (codes: string[]) => triggerSearchParams({ resource: 'Encounter', codes, status: ['finished'] }, { from: now });

  it('searches class codes with class, other codes with type, and a mix with neither', () => {
    expect(search([`${ACT_CODE}|EMER`, `${ACT_CODE}|IMP`])).toEqual({
      class: `${ACT_CODE}|EMER,${ACT_CODE}|IMP`,
      status: 'finished',
      date: `ge${now.toISOString()}`,
    });
    expect(search([`${SNOMED}|50849002`])).toEqual({ type: `${SNOMED}|50849002`, status: 'finished', date: `ge${now.toISOString()}` });
    expect(search([`${ACT_CODE}|EMER`, `${SNOMED}|50849002`])).toEqual({ status: 'finished', date: `ge${now.toISOString()}` });
  });

  it('matches its class or its types, dated by the end of the visit', () => {
    const campaign = campaignFixture({
      id: 'after-emergency',
      trigger: { resource: 'Encounter', codes: [`${ACT_CODE}|EMER`], status: ['finished'], within: 'P7D' },
    });
    const visit = (overrides: Partial<Encounter>): Encounter => ({
      resourceType: 'Encounter',
      id: 'enc1',
      status: 'finished',
      subject: { reference: 'Patient/p1' },
      class: { system: ACT_CODE, code: 'EMER' },
      period: { start: '2026-11-10T22:00:00Z', end: '2026-11-24T03:00:00Z' },
      ...overrides,
    });
    expect(triggerMatches(campaign, visit({}), now, NO_VALUE_SETS).kind).toBe('prompt');
    expect(triggerMatches(campaign, visit({ class: { system: ACT_CODE, code: 'AMB' } }), now, NO_VALUE_SETS).kind).toBe('no-match');
    expect(
      triggerMatches(campaign, visit({ period: { start: '2026-11-10T22:00:00Z', end: '2026-11-11T03:00:00Z' } }), now, NO_VALUE_SETS),
    ).toEqual({
      kind: 'no-match',
      reason: 'dated before the window',
    });
    const byType = campaignFixture({
      id: 'after-emergency',
      trigger: { resource: 'Encounter', codes: [`${SNOMED}|50849002`], status: ['finished'], within: 'P7D' },
    });
    const typed = visit({ type: [{ coding: [{ system: SNOMED, code: '50849002' }] }] });
    expect(triggerMatches(byType, typed, now, NO_VALUE_SETS).kind).toBe('prompt');
  });
});
