import { describe, expect, it } from 'vitest';
import { explain } from '../../../src/criteria/explain.ts';
import { type Criterion, type Expansions, judgeCriteria, type PatientRecord } from '../../../src/criteria/index.ts';
import type { TriggerResource } from '../../../src/triggers/index.ts';

const now = new Date('2026-11-30T12:00:00Z');
const subject = { reference: 'Patient/p1' };
const LOINC = 'http://loinc.org';
const HBA1C = `${LOINC}|4548-4`;
const HOSPICE_SET = 'urn:test:valueset:hospice';
const expansions: Expansions = new Map([
  [HOSPICE_SET, { url: HOSPICE_SET, version: '2026-01', source: 'file', codes: new Set(['http://snomed.info/sct|385763009']) }],
]);
const scope = { now, expansions };

function hba1c(id: string, date: string, value: number, status = 'final'): TriggerResource {
  return {
    resourceType: 'Observation',
    id,
    status,
    subject,
    code: { coding: [{ system: LOINC, code: '4548-4' }] },
    effectiveDateTime: date,
    valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  };
}
const hospice: TriggerResource = {
  resourceType: 'Procedure',
  id: 'h1',
  status: 'completed',
  subject,
  code: { coding: [{ system: 'http://snomed.info/sct', code: '385763009' }] },
  performedDateTime: '2026-10-01',
};
const record = (records: TriggerResource[], patient: PatientRecord['patient'] = { birthDate: '1970-06-15', gender: 'female' }) => ({
  patient,
  records,
});
const lacksRecentHbA1c: Criterion = {
  lacks: { resource: 'Observation', codes: [HBA1C], status: ['final', 'amended', 'corrected'], within: 'P180D' },
};

describe('criteria, one operator at a time', () => {
  it('has: holds when a record matches code, status and window, naming the newest one', () => {
    const explanation = explain(
      { has: { resource: 'Observation', codes: [HBA1C], within: 'P180D' } },
      record([hba1c('o1', '2026-10-01', 7)]),
      scope,
    );
    expect(explanation).toEqual({
      criterion: `has Observation ${HBA1C}, within P180D`,
      held: true,
      because: 'found Observation/o1 (2026-10-01)',
    });
  });

  it('lacks: the care gap holds with no result, with one too old, preliminary or entered in error', () => {
    const stale = [
      hba1c('old', '2026-03-01', 7),
      hba1c('pre', '2026-11-01', 7, 'preliminary'),
      hba1c('err', '2026-11-02', 7, 'entered-in-error'),
    ];
    expect(explain(lacksRecentHbA1c, record([]), scope)).toMatchObject({ held: true, because: 'none found' });
    expect(explain(lacksRecentHbA1c, record(stale), scope)).toMatchObject({ held: true, because: 'none found' });
    expect(explain(lacksRecentHbA1c, record([...stale, hba1c('new', '2026-11-20', 7)]), scope)).toMatchObject({
      held: false,
      because: 'found Observation/new (2026-11-20)',
    });
  });

  it('has with a value test: a result failing it is a near miss, named in the explanation', () => {
    const high: Criterion = { has: { resource: 'Observation', codes: [HBA1C], within: 'P30D', value: { gt: 9, unit: '%' } } };
    expect(explain(high, record([hba1c('o1', '2026-11-20', 9.4)]), scope).held).toBe(true);
    expect(explain(high, record([hba1c('o2', '2026-11-20', 9)]), scope)).toMatchObject({
      held: false,
      because: expect.stringMatching(/^none found; Observation\/o2 \(2026-11-20\): /),
    });
  });

  it('codes by value set: a coding in the expansion matches', () => {
    const inHospice: Criterion = { has: { resource: 'Procedure', valueSet: HOSPICE_SET } };
    expect(explain(inHospice, record([hospice]), scope)).toMatchObject({ held: true, criterion: `has Procedure value set ${HOSPICE_SET}` });
    expect(explain(inHospice, record([hba1c('o1', '2026-11-20', 7)]), scope).held).toBe(false);
  });

  it('age: whole years at the decision, the birthday counting on its day; no birthDate never holds', () => {
    const adult: Criterion = { age: { min: 18, max: 75 } };
    expect(explain(adult, record([], { birthDate: '2008-11-30' }), scope)).toMatchObject({ held: true, because: 'age 18' });
    expect(explain(adult, record([], { birthDate: '2008-12-01' }), scope)).toMatchObject({ held: false, because: 'age 17' });
    expect(explain(adult, record([], { birthDate: '1950-06' }), scope)).toMatchObject({ held: false, because: 'age 76' });
    expect(explain(adult, record([], {}), scope)).toMatchObject({ held: false, because: 'no usable birthDate' });
  });

  it('gender: one or a list; not recorded never holds', () => {
    expect(explain({ gender: 'female' }, record([]), scope)).toMatchObject({ held: true, because: 'gender female' });
    expect(explain({ gender: ['male', 'other'] }, record([]), scope).held).toBe(false);
    expect(explain({ gender: 'female' }, record([], {}), scope)).toMatchObject({ held: false, because: 'gender not recorded' });
  });
});

describe('criteria combined', () => {
  it('all, any and not nest, each node saying how many of its children held', () => {
    const criterion: Criterion = {
      all: [{ age: { min: 18 } }, { any: [{ gender: 'male' }, { not: { has: { resource: 'Procedure', valueSet: HOSPICE_SET } } }] }],
    };
    const held = explain(criterion, record([]), scope);
    expect(held).toMatchObject({ criterion: 'all of', held: true, because: '2 of 2 held' });
    expect(held.children?.[1]).toMatchObject({ criterion: 'any of', held: true, because: '1 of 2 held' });
    const failed = explain(criterion, record([hospice]), scope);
    expect(failed.held).toBe(false);
    expect(failed.children?.[1]?.children?.[1]).toMatchObject({ criterion: 'not', held: false, because: 'the criterion held' });
  });
});

describe('judgeCriteria', () => {
  const rules = {
    when: { all: [{ age: { min: 18 } }, lacksRecentHbA1c] },
    exclude: [{ reason: 'hospice care', has: { resource: 'Procedure' as const, valueSet: HOSPICE_SET, within: 'P365D' } }],
  };

  it('met: the explanation of when and of every exclusion comes with it', () => {
    const verdict = judgeCriteria(rules, record([]), scope);
    expect(verdict.kind).toBe('met');
    expect(verdict.explanation.when?.held).toBe(true);
    expect(verdict.explanation.exclude).toEqual([expect.objectContaining({ reason: 'hospice care', held: false })]);
  });

  it('not met: the reason names the first criterion under all that failed, and what decided it', () => {
    const verdict = judgeCriteria(rules, record([hba1c('o9', '2026-11-01', 7)]), scope);
    expect(verdict).toMatchObject({
      kind: 'not-met',
      reason: `criteria not met: lacks Observation ${HBA1C}, status final/amended/corrected, within P180D (found Observation/o9 (2026-11-01))`,
    });
  });

  it('excluded: wins over criteria not met, with the exclusion reason', () => {
    const verdict = judgeCriteria(rules, record([hospice, hba1c('o9', '2026-11-01', 7)]), scope);
    expect(verdict).toMatchObject({ kind: 'excluded', reason: 'excluded: hospice care' });
    expect(verdict.explanation.when?.held).toBe(false);
  });
});

describe('the reason recorded for criteria not met', () => {
  it('names what any and not hold over, so the reason stands alone', () => {
    const anyOf = judgeCriteria({ when: { any: [{ gender: 'male' }, { age: { max: 40 } }] } }, record([]), scope);
    expect(anyOf).toMatchObject({ kind: 'not-met', reason: 'criteria not met: any of: gender male | age 0–40 (none held)' });
    const notHospice = judgeCriteria(
      { when: { not: { has: { resource: 'Procedure', valueSet: HOSPICE_SET } } } },
      record([hospice]),
      scope,
    );
    expect(notHospice).toMatchObject({
      kind: 'not-met',
      reason: `criteria not met: not has Procedure value set ${HOSPICE_SET} (found Procedure/h1 (2026-10-01))`,
    });
  });
});
