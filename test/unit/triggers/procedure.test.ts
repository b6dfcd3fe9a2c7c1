import { describe, expect, it } from 'vitest';
import {
  clinicalDateOf,
  codingsOf,
  evidenceOf,
  isListedIn,
  Procedure,
  reasonOf,
  statusOf,
  triggerSearchParams,
  untrustedBecause,
} from '../../../src/triggers/index.ts';

const SNOMED = 'http://snomed.info/sct';
const suture: Procedure = {
  resourceType: 'Procedure',
  id: 'proc-1',
  status: 'completed',
  subject: { reference: 'Patient/p1' },
  code: { coding: [{ system: SNOMED, code: '18557009' }] },
  performedPeriod: { start: '2024-05-02T10:00:00Z' },
  reasonReference: [{ reference: 'Observation/o1' }, { reference: 'Condition/c1' }, { reference: 'Condition/c2' }],
};
const trigger = { resource: 'Procedure' as const, codes: [`${SNOMED}|18557009`], status: ['completed'] };

describe('Procedure', () => {
  it('parses with its status required, naming the field', () => {
    expect(Procedure.safeParse(suture).success).toBe(true);
    const { status: _, ...withoutStatus } = suture;
    expect(Procedure.safeParse(withoutStatus).error?.issues[0]?.path).toEqual(['status']);
  });

  it('dates by performedDateTime, then the performed period’s start', () => {
    expect(clinicalDateOf(suture)).toBe('2024-05-02T10:00:00Z');
    expect(clinicalDateOf({ ...suture, performedDateTime: '2024-05-01' })).toBe('2024-05-01');
    expect(clinicalDateOf({ ...suture, performedPeriod: undefined })).toBeUndefined();
  });

  it('reads its status and is always trusted', () => {
    expect(statusOf(suture)).toBe('completed');
    expect(statusOf({ ...suture, status: 'entered-in-error' })).toBe('entered-in-error');
    expect(untrustedBecause({ ...suture, status: 'entered-in-error' })).toBeUndefined();
  });

  it('maps the due window onto date as ge/le bounds, either one open', () => {
    const from = new Date('2026-11-23T12:00:00Z');
    const to = new Date('2026-11-26T12:00:00Z');
    expect(triggerSearchParams(trigger, { from, to })).toEqual({
      code: `${SNOMED}|18557009`,
      status: 'completed',
      date: ['ge2026-11-23T12:00:00.000Z', 'le2026-11-26T12:00:00.000Z'],
    });
    expect(triggerSearchParams(trigger, { from })).toMatchObject({ date: 'ge2026-11-23T12:00:00.000Z' });
    expect(triggerSearchParams(trigger, {})).toEqual({ code: `${SNOMED}|18557009`, status: 'completed' });
  });

  it('joins the procedures list when completed', () => {
    expect(codingsOf(suture)).toEqual([{ system: SNOMED, code: '18557009' }]);
    expect(isListedIn('procedures', suture)).toBe(true);
    expect(isListedIn('procedures', { ...suture, status: 'in-progress' })).toBe(false);
    expect(isListedIn('conditions', suture)).toBe(false);
  });

  it('gives its first Condition reason, and evidence with nulls for what it lacks', () => {
    expect(reasonOf(suture)).toBe('Condition/c1');
    expect(reasonOf({ ...suture, reasonReference: [{ reference: 'Observation/o1' }] })).toBeUndefined();
    expect(evidenceOf({ ...suture, code: { coding: [{ code: 'x' }] } }, new Date('2026-11-26T12:00:00Z')).trigger).toEqual({
      reference: 'Procedure/proc-1',
      status: 'completed',
      date: '2024-05-02T10:00:00Z',
      lastUpdated: null,
      codings: [{ system: null, code: 'x', display: null }],
    });
  });
});
