import { describe, expect, it } from 'vitest';
import {
  clinicalDateOf,
  codingsOf,
  evidenceOf,
  isListedIn,
  MedicationRequest,
  reasonOf,
  statusOf,
  triggerSearchParams,
  untrustedBecause,
} from '../../../src/triggers/index.ts';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const metformin: MedicationRequest = {
  resourceType: 'MedicationRequest',
  id: 'mr-1',
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/p1' },
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: '860975', display: 'metformin 500 MG' }] },
  authoredOn: '2024-02-10',
  reasonReference: [{ reference: 'Condition/cond-dm' }],
};

describe('MedicationRequest', () => {
  it('parses with its status required, naming the field', () => {
    expect(MedicationRequest.safeParse(metformin).success).toBe(true);
    expect(MedicationRequest.safeParse({ ...metformin, status: 7 }).error?.issues[0]?.path).toEqual(['status']);
  });

  it('dates by authoredOn and reads its status', () => {
    expect(clinicalDateOf(metformin)).toBe('2024-02-10');
    expect(clinicalDateOf({ ...metformin, authoredOn: undefined })).toBeUndefined();
    expect(statusOf(metformin)).toBe('active');
    expect(untrustedBecause(metformin)).toBeUndefined();
  });

  it('matches on its medication and maps the due window onto authoredon', () => {
    expect(codingsOf(metformin)).toEqual([{ system: RXNORM, code: '860975', display: 'metformin 500 MG' }]);
    const trigger = { resource: 'MedicationRequest' as const, codes: [`${RXNORM}|860975`], status: ['active', 'completed'] };
    expect(triggerSearchParams(trigger, { to: new Date('2026-11-12T12:00:00Z') })).toEqual({
      code: `${RXNORM}|860975`,
      status: 'active,completed',
      authoredon: 'le2026-11-12T12:00:00.000Z',
    });
  });

  it('joins the medications list while active', () => {
    expect(isListedIn('medications', metformin)).toBe(true);
    expect(isListedIn('medications', { ...metformin, status: 'stopped' })).toBe(false);
  });

  it('gives the Condition it treats as reason, and its evidence', () => {
    expect(reasonOf(metformin)).toBe('Condition/cond-dm');
    expect(evidenceOf(metformin, new Date('2026-11-26T12:00:00Z')).trigger).toMatchObject({
      reference: 'MedicationRequest/mr-1',
      status: 'active',
      date: '2024-02-10',
      codings: [{ system: RXNORM, code: '860975', display: 'metformin 500 MG' }],
    });
  });
});
