import { describe, expect, it } from 'vitest';
import { decide, type LocalOptOut, periodIndex, promptKey, repeatBlockedSince } from '../../src/campaigns/index.ts';
import type { Patient } from '../../src/fhir/index.ts';
import type { Condition, Procedure } from '../../src/triggers/index.ts';
import { campaignFixture } from '../support/campaigns.ts';

const now = new Date('2026-11-26T12:00:00.000Z');
const patient: Patient = { resourceType: 'Patient', id: 'p1', active: true };
const NO_VALUE_SETS = new Map();
const RULES = { outreachCodes: new Set(['urn:careprompt:consent|outreach-messaging']) };
const facts = (subject: Patient, local: LocalOptOut[] = []) => ({ patient: subject, consents: [], local, records: [] });
const procedure = (overrides: Partial<Procedure> = {}): Procedure => ({
  resourceType: 'Procedure',
  id: 'proc1',
  status: 'completed',
  code: { coding: [{ system: 'http://snomed.info/sct', code: '18557009' }] },
  subject: { reference: 'Patient/p1' },
  performedDateTime: '2026-11-25T15:00:00Z',
  ...overrides,
});

describe('eligibility', () => {
  const campaign = campaignFixture();

  it('prompts a living, active patient with a matching recent procedure', () => {
    expect(decide(campaign, procedure(), facts(patient), now, RULES, NO_VALUE_SETS)).toEqual({ kind: 'prompt' });
  });

  it('does not trust the server: a code of another system, a wrong status or an old date is no match', () => {
    const otherSystem = procedure({ code: { coding: [{ system: 'http://example.org', code: '18557009' }] } });
    expect(decide(campaign, otherSystem, facts(patient), now, RULES, NO_VALUE_SETS).kind).toBe('no-match');
    expect(decide(campaign, procedure({ status: 'in-progress' }), facts(patient), now, RULES, NO_VALUE_SETS).kind).toBe('no-match');
    expect(decide(campaign, procedure({ performedDateTime: '2026-11-20T00:00:00Z' }), facts(patient), now, RULES, NO_VALUE_SETS)).toEqual({
      kind: 'no-match',
      reason: 'dated before the window',
    });
    const undated = procedure();
    delete undated.performedDateTime;
    expect(decide(campaign, undated, facts(patient), now, RULES, NO_VALUE_SETS).kind).toBe('no-match');
  });

  it('uses performedPeriod.start when there is no performedDateTime', () => {
    const resource = procedure({ performedPeriod: { start: '2026-11-25T10:00:00Z' } });
    delete resource.performedDateTime;
    expect(decide(campaign, resource, facts(patient), now, RULES, NO_VALUE_SETS).kind).toBe('prompt');
  });

  it('never prompts a patient about a resource that now belongs to another chart', () => {
    expect(decide(campaign, procedure({ subject: { reference: 'Patient/p2' } }), facts(patient), now, RULES, NO_VALUE_SETS)).toEqual({
      kind: 'no-match',
      reason: 'the resource is not about this patient',
    });
  });

  it('skips deceased and inactive patients with a recorded reason', () => {
    expect(decide(campaign, procedure(), facts({ ...patient, deceasedBoolean: true }), now, RULES, NO_VALUE_SETS)).toEqual({
      kind: 'skip',
      rule: 'deceased',
      reason: 'patient is deceased',
    });
    expect(decide(campaign, procedure(), facts({ ...patient, deceasedDateTime: '2026-01-01' }), now, RULES, NO_VALUE_SETS)).toEqual({
      kind: 'skip',
      rule: 'deceased',
      reason: 'patient is deceased',
    });
    expect(decide(campaign, procedure(), facts({ ...patient, active: false }), now, RULES, NO_VALUE_SETS)).toEqual({
      kind: 'skip',
      rule: 'inactive',
      reason: 'patient record is inactive',
    });
  });

  it('skips an opted-out patient naming the opt-out, and only for the campaign opted out of', () => {
    const optedOut = facts(patient, [{ patientRef: 'Patient/p1', campaignId: campaign.id }]);
    expect(decide(campaign, procedure(), optedOut, now, RULES, NO_VALUE_SETS)).toEqual({
      kind: 'skip',
      rule: 'opt-out',
      reason: `opted-out: local, campaign ${campaign.id}`,
    });
    expect(decide({ ...campaign, id: 'other' }, procedure(), optedOut, now, RULES, NO_VALUE_SETS)).toEqual({ kind: 'prompt' });
  });

  it('never prompts about a diagnosis entered in error or refuted, whatever its clinical status', () => {
    const diabetes = campaignFixture({
      trigger: { resource: 'Condition', codes: ['http://snomed.info/sct|44054006'], status: ['active'] },
      repeat: 'P30D',
    });
    const condition = (verification?: string): Condition => ({
      resourceType: 'Condition',
      id: 'c1',
      subject: { reference: 'Patient/p1' },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      ...(verification
        ? {
            verificationStatus: {
              coding: [
                { system: 'urn:local', code: 'x' },
                { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: verification },
              ],
            },
          }
        : {}),
    });
    expect(decide(diabetes, condition(), facts(patient), now, RULES, NO_VALUE_SETS)).toEqual({ kind: 'prompt' });
    expect(decide(diabetes, condition('confirmed'), facts(patient), now, RULES, NO_VALUE_SETS)).toEqual({ kind: 'prompt' });
    expect(decide(diabetes, condition('entered-in-error'), facts(patient), now, RULES, NO_VALUE_SETS)).toEqual({
      kind: 'no-match',
      reason: 'verificationStatus entered-in-error',
    });
    expect(decide(diabetes, condition('refuted'), facts(patient), now, RULES, NO_VALUE_SETS)).toEqual({
      kind: 'no-match',
      reason: 'verificationStatus refuted',
    });
  });

  it('holds a delayed trigger until it is due', () => {
    const delayed = campaignFixture({ trigger: { ...campaign.trigger, within: 'P7D', delay: 'P14D' } });
    expect(decide(delayed, procedure({ performedDateTime: '2026-11-20T00:00:00Z' }), facts(patient), now, RULES, NO_VALUE_SETS)).toEqual({
      kind: 'no-match',
      reason: 'not due yet',
    });
    expect(decide(delayed, procedure({ performedDateTime: '2026-11-10T00:00:00Z' }), facts(patient), now, RULES, NO_VALUE_SETS).kind).toBe(
      'prompt',
    );
  });
});

describe('prompt keys', () => {
  it('are deterministic per campaign, patient and trigger for once-campaigns', () => {
    const campaign = campaignFixture();
    const key = promptKey(campaign, 'Patient/p1', 'Procedure/1', now);
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    expect(promptKey(campaign, 'Patient/p1', 'Procedure/1', new Date('2027-01-01'))).toBe(key);
    expect(promptKey(campaign, 'Patient/p1', 'Procedure/2', now)).not.toBe(key);
    expect(promptKey(campaign, 'Patient/p2', 'Procedure/1', now)).not.toBe(key);
    expect(promptKey(campaignFixture({ id: 'other' }), 'Patient/p1', 'Procedure/1', now)).not.toBe(key);
  });

  it('are one per patient per period for periodic campaigns, whatever the trigger', () => {
    const campaign = campaignFixture({ repeat: 'P30D' });
    const key = promptKey(campaign, 'Patient/p1', 'Condition/a', now);
    expect(promptKey(campaign, 'Patient/p1', 'Condition/b', now)).toBe(key);
    expect(promptKey(campaign, 'Patient/p1', 'Condition/a', new Date(now.getTime() + 31 * 86_400_000))).not.toBe(key);
    expect(periodIndex('P30D', now)).toBe(Math.floor(now.getTime() / (30 * 86_400_000)));
    expect(repeatBlockedSince(campaign, now)).toEqual(new Date(now.getTime() - 30 * 86_400_000));
    expect(repeatBlockedSince(campaignFixture(), now)).toBeUndefined();
  });
});
