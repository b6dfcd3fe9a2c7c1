import { describe, expect, it } from 'vitest';
import { budgetKeyOf, spacingMicros } from '../../src/fhir/request-budget.ts';

describe('budgetKeyOf', () => {
  it('names a server by origin and path, so processes on any queue prefix share it', () => {
    expect(budgetKeyOf('https://ehr.example/fhir/r4')).toBe('careprompt:fhir-budget:https://ehr.example/fhir/r4');
    expect(budgetKeyOf('https://EHR.example:443/fhir/r4/')).toBe(budgetKeyOf('https://ehr.example/fhir/r4'));
  });

  it('keeps servers on another path, port or scheme apart', () => {
    const keys = [
      'https://ehr.example/fhir/r4',
      'https://ehr.example/fhir/r5',
      'https://ehr.example:8443/fhir/r4',
      'http://ehr.example/fhir/r4',
    ];
    expect(new Set(keys.map(budgetKeyOf)).size).toBe(4);
  });

  it('leaves credentials and the query out of the key', () => {
    const key = budgetKeyOf('https://user:secret@ehr.example/fhir?tenant=1');
    expect(key).toBe('careprompt:fhir-budget:https://ehr.example/fhir');
  });
});

describe('spacingMicros', () => {
  it('spaces requests 1/R s apart, rounded up so a window never holds more than R', () => {
    expect(spacingMicros(50)).toBe(20_000);
    expect(spacingMicros(3)).toBe(333_334);
    expect(spacingMicros(0.5)).toBe(2_000_000);
  });

  it('refuses a budget that is not a positive number', () => {
    for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => spacingMicros(value)).toThrow(RangeError);
  });
});
