import { describe, expect, it } from 'vitest';
import {
  Condition,
  clinicalDateOf,
  codingsOf,
  evidenceOf,
  isListedIn,
  reasonOf,
  statusOf,
  triggerSearchParams,
  untrustedBecause,
} from '../../../src/triggers/index.ts';

const SNOMED = 'http://snomed.info/sct';
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const diabetes: Condition = {
  resourceType: 'Condition',
  id: 'cond-dm',
  meta: { lastUpdated: '2026-11-20T08:00:00Z' },
  subject: { reference: 'Patient/p1' },
  clinicalStatus: { coding: [{ system: CLINICAL, code: 'active' }] },
  code: { coding: [{ system: SNOMED, code: '44054006', display: 'Type 2 diabetes' }] },
  onsetDateTime: '2019-06-01',
};
const hypertension: Condition = {
  resourceType: 'Condition',
  id: 'cond-htn',
  subject: { reference: 'Patient/p1' },
  code: { coding: [{ system: SNOMED, code: '59621000' }] },
  recordedDate: '2023-01-15T09:00:00Z',
};
const verified = (code: string): Condition => ({ ...diabetes, verificationStatus: { coding: [{ code }] } });

describe('Condition', () => {
  it('parses with its subject required, naming the field', () => {
    expect(Condition.safeParse(diabetes).success).toBe(true);
    const { subject: _, ...withoutSubject } = diabetes;
    expect(Condition.safeParse(withoutSubject).error?.issues[0]?.path).toEqual(['subject']);
  });

  it('dates by onset, then onset period, then recorded date', () => {
    expect(clinicalDateOf(diabetes)).toBe('2019-06-01');
    expect(clinicalDateOf({ ...hypertension, onsetPeriod: { start: '2022-11-01' } })).toBe('2022-11-01');
    expect(clinicalDateOf(hypertension)).toBe('2023-01-15T09:00:00Z');
    expect(clinicalDateOf({ ...hypertension, recordedDate: undefined })).toBeUndefined();
  });

  it('reads its status from clinicalStatus, preferring the standard coding', () => {
    expect(statusOf(diabetes)).toBe('active');
    expect(statusOf(hypertension)).toBeUndefined();
    expect(statusOf({ ...hypertension, clinicalStatus: { coding: [{ system: 'urn:local', code: 'resolved' }] } })).toBe('resolved');
    const both = {
      coding: [
        { system: 'urn:local', code: 'live' },
        { system: CLINICAL, code: 'active' },
      ],
    };
    expect(statusOf({ ...diabetes, clinicalStatus: both })).toBe('active');
  });

  it('is untrusted when any verificationStatus coding says entered-in-error or refuted', () => {
    expect(untrustedBecause(diabetes)).toBeUndefined();
    expect(untrustedBecause(verified('confirmed'))).toBeUndefined();
    expect(untrustedBecause(verified('entered-in-error'))).toBe('verificationStatus entered-in-error');
    expect(untrustedBecause(verified('refuted'))).toBe('verificationStatus refuted');
  });

  it('is searched by code and clinical-status, never by a date parameter', () => {
    const window = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-20T00:00:00Z') };
    const trigger = {
      resource: 'Condition' as const,
      codes: [`${SNOMED}|44054006`, `${SNOMED}|73211009`],
      status: ['active', 'recurrence'],
    };
    expect(triggerSearchParams(trigger, window)).toEqual({
      code: `${SNOMED}|44054006,${SNOMED}|73211009`,
      'clinical-status': 'active,recurrence',
    });
  });

  it('joins the conditions list while active, recurring or relapsed, and trusted', () => {
    expect(codingsOf(diabetes)).toEqual([{ system: SNOMED, code: '44054006', display: 'Type 2 diabetes' }]);
    const withStatus = (code: string) => ({ ...diabetes, clinicalStatus: { coding: [{ system: CLINICAL, code }] } });
    expect(['active', 'recurrence', 'relapse', 'resolved', 'inactive'].map((code) => isListedIn('conditions', withStatus(code)))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(isListedIn('conditions', verified('refuted'))).toBe(false);
    expect(isListedIn('medications', diabetes)).toBe(false);
  });

  it('is its own reason, and its evidence shows its status, date, codings and last update', () => {
    expect(reasonOf(diabetes)).toBe('Condition/cond-dm');
    expect(evidenceOf(diabetes, new Date('2026-11-26T12:00:00Z'))).toEqual({
      trigger: {
        reference: 'Condition/cond-dm',
        status: 'active',
        date: '2019-06-01',
        lastUpdated: '2026-11-20T08:00:00Z',
        codings: [{ system: SNOMED, code: '44054006', display: 'Type 2 diabetes' }],
      },
      decidedAt: '2026-11-26T12:00:00.000Z',
    });
  });
});
