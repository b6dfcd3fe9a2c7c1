import { describe, expect, it } from 'vitest';
import {
  clinicalDateOf,
  codingsOf,
  evidenceOf,
  isListedIn,
  MedicationStatement,
  reasonOf,
  statusOf,
  triggerSearchParams,
  untrustedBecause,
} from '../../../src/triggers/index.ts';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const lisinopril: MedicationStatement = {
  resourceType: 'MedicationStatement',
  id: 'ms-1',
  status: 'active',
  subject: { reference: 'Patient/p1' },
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: '314076' }] },
  effectivePeriod: { start: '2024-08-20' },
};
const undated: MedicationStatement = {
  resourceType: 'MedicationStatement',
  id: 'ms-2',
  status: 'unknown',
  subject: { reference: 'Patient/p1' },
};

describe('MedicationStatement', () => {
  it('parses with its subject required, naming the field', () => {
    expect(MedicationStatement.safeParse(lisinopril).success).toBe(true);
    expect(MedicationStatement.safeParse({ ...lisinopril, subject: 'Patient/p1' }).error?.issues[0]?.path).toEqual(['subject']);
  });

  it('dates by effectiveDateTime, then the effective period’s start', () => {
    expect(clinicalDateOf(lisinopril)).toBe('2024-08-20');
    expect(clinicalDateOf({ ...lisinopril, effectiveDateTime: '2024-08-19' })).toBe('2024-08-19');
    expect(clinicalDateOf(undated)).toBeUndefined();
  });

  it('reads its status, is always trusted, and matches on its medication', () => {
    expect(statusOf(lisinopril)).toBe('active');
    expect(statusOf(undated)).toBe('unknown');
    expect(untrustedBecause(lisinopril)).toBeUndefined();
    expect(codingsOf(lisinopril)).toEqual([{ system: RXNORM, code: '314076' }]);
    expect(codingsOf(undated)).toEqual([]);
  });

  it('maps the due window onto effective', () => {
    const trigger = { resource: 'MedicationStatement' as const, codes: [`${RXNORM}|314076`], status: ['active'] };
    expect(triggerSearchParams(trigger, { from: new Date('2026-11-01T00:00:00Z') })).toEqual({
      code: `${RXNORM}|314076`,
      status: 'active',
      effective: 'ge2026-11-01T00:00:00.000Z',
    });
  });

  it('joins the medications list while active', () => {
    expect(isListedIn('medications', lisinopril)).toBe(true);
    expect(isListedIn('medications', undated)).toBe(false);
    expect(isListedIn('procedures', lisinopril)).toBe(false);
  });

  it('has no reason without a Condition reference, and evidence with nulls for what it lacks', () => {
    expect(reasonOf(lisinopril)).toBeUndefined();
    expect(reasonOf({ ...lisinopril, reasonReference: [{ reference: 'Condition/c9' }] })).toBe('Condition/c9');
    expect(evidenceOf(undated, new Date('2026-11-26T12:00:00Z'))).toEqual({
      trigger: { reference: 'MedicationStatement/ms-2', status: 'unknown', date: null, lastUpdated: null, codings: [] },
      decidedAt: '2026-11-26T12:00:00.000Z',
    });
  });
});
