import { describe, expect, it } from 'vitest';
import { convertUnit, testValue, ValueTest } from '../../src/criteria/index.ts';

const UCUM = 'http://unitsofmeasure.org';
const quantity = (value: number, code: string, extra: Record<string, string> = {}) => ({
  valueQuantity: { value, unit: code, system: UCUM, code, ...extra },
});
const test = (fields: Record<string, unknown>) => ValueTest.parse(fields);

describe('value tests: each comparator', () => {
  it('gt holds above the bound only', () => {
    expect(testValue(quantity(9.4, '%'), test({ gt: 9, unit: '%' }))).toEqual({ held: true, because: '9.4 % > 9 %' });
    expect(testValue(quantity(9, '%'), test({ gt: 9, unit: '%' }))).toEqual({ held: false, because: '9 % is not > 9 %' });
  });

  it('ge holds at and above the bound', () => {
    expect(testValue(quantity(9, '%'), test({ ge: 9, unit: '%' }))).toEqual({ held: true, because: '9 % ≥ 9 %' });
    expect(testValue(quantity(8.9, '%'), test({ ge: 9, unit: '%' }))).toEqual({ held: false, because: '8.9 % is not ≥ 9 %' });
  });

  it('lt holds below the bound only', () => {
    expect(testValue(quantity(6.9, '%'), test({ lt: 7, unit: '%' }))).toEqual({ held: true, because: '6.9 % < 7 %' });
    expect(testValue(quantity(7, '%'), test({ lt: 7, unit: '%' }))).toEqual({ held: false, because: '7 % is not < 7 %' });
  });

  it('le holds at and below the bound', () => {
    expect(testValue(quantity(7, '%'), test({ le: 7, unit: '%' }))).toEqual({ held: true, because: '7 % ≤ 7 %' });
    expect(testValue(quantity(7.1, '%'), test({ le: 7, unit: '%' }))).toEqual({ held: false, because: '7.1 % is not ≤ 7 %' });
  });

  it('a range holds only inside every bound, and names the bound that failed', () => {
    const range = test({ ge: 7, lt: 9, unit: '%' });
    expect(testValue(quantity(8, '%'), range)).toEqual({ held: true, because: '8 % ≥ 7 % and < 9 %' });
    expect(testValue(quantity(7, '%'), range).held).toBe(true);
    expect(testValue(quantity(6.9, '%'), range)).toEqual({ held: false, because: '6.9 % is not ≥ 7 %' });
    expect(testValue(quantity(9, '%'), range)).toEqual({ held: false, because: '9 % is not < 9 %' });
    const open = test({ gt: 140, le: 180, unit: 'mm[Hg]' });
    expect(testValue(quantity(140, 'mm[Hg]'), open).held).toBe(false);
    expect(testValue(quantity(180, 'mm[Hg]'), open)).toEqual({ held: true, because: '180 mm[Hg] > 140 mm[Hg] and ≤ 180 mm[Hg]' });
  });
});

describe('value tests: units', () => {
  it('converts within each family, and compares at a bound as decimal numbers', () => {
    const cases: Array<[number, string, string, number]> = [
      [16, 'kPa', 'mm[Hg]', 120.010201],
      [120, 'mm[Hg]', 'kPa', 15.99864],
      [1.2, 'g/dL', 'g/L', 12],
      [900, 'mg/dL', 'g/dL', 0.9],
      [250, 'mg/L', 'mg/dL', 25],
      [5.5, 'mmol/L', 'umol/L', 5500],
      [88, 'umol/L', 'mmol/L', 0.088],
      [2.2, 'kg', 'g', 2200],
      [200, '[lb_av]', 'kg', 90.718474],
      [70, '[in_i]', 'cm', 177.8],
      [1.778, 'm', 'cm', 177.8],
      [75, 'mmol/mol', '%', 9.013],
      [9, '%', 'mmol/mol', 74.857892],
      [72, '/min', '/min', 72],
      [31.2, 'kg/m2', 'kg/m2', 31.2],
    ];
    for (const [value, from, to, expected] of cases) {
      const converted = convertUnit(value, from, to);
      expect(converted.ok, `${from} → ${to}`).toBe(true);
      if (converted.ok) expect(converted.value, `${from} → ${to}`).toBeCloseTo(expected, 5);
    }
    // In binary 9 × 0.001 / 0.01 is 0.9000000000000001 and 5 × 1e-6 / 1e-3 is 0.004999999999999999.
    expect(convertUnit(9, 'mg/L', 'mg/dL')).toEqual({ ok: true, value: 0.9 });
    expect(testValue(quantity(9, 'mg/L'), test({ le: 0.9, unit: 'mg/dL' })).held).toBe(true);
    expect(testValue(quantity(5, 'umol/L'), test({ ge: 0.005, unit: 'mmol/L' }))).toEqual({
      held: true,
      because: '5 umol/L = 0.005 mmol/L ≥ 0.005 mmol/L',
    });
  });

  it('explains a converted value in both units', () => {
    expect(testValue(quantity(75, 'mmol/mol'), test({ ge: 9, unit: '%' }))).toEqual({ held: true, because: '75 mmol/mol = 9.013 % ≥ 9 %' });
    expect(testValue(quantity(58, 'mmol/mol'), test({ ge: 9, unit: '%' }))).toEqual({
      held: false,
      because: '58 mmol/mol = 7.45784 % is not ≥ 9 %',
    });
    expect(testValue(quantity(20, 'kPa'), test({ ge: 140, unit: 'mm[Hg]' }))).toEqual({
      held: true,
      because: '20 kPa = 150.013 mm[Hg] ≥ 140 mm[Hg]',
    });
  });

  it('refuses mass to molar concentration, other families and units it does not know, saying why', () => {
    expect(testValue(quantity(126, 'mg/dL'), test({ ge: 7, unit: 'mmol/L' }))).toEqual({
      held: false,
      because: "unit mg/dL cannot be converted to mmol/L: a mass concentration becomes a molar one only with the analyte's molar mass",
    });
    expect(convertUnit(7, 'mmol/L', 'mg/dL')).toMatchObject({ ok: false });
    expect(testValue(quantity(80, 'kg'), test({ ge: 30, unit: 'kg/m2' }))).toEqual({
      held: false,
      because: 'unit kg cannot be converted to kg/m2: one is a mass, the other a body mass index',
    });
    expect(testValue(quantity(9, '%'), test({ ge: 9, unit: 'mg/dL' })).because).toBe(
      'unit % cannot be converted to mg/dL: one is a fraction, the other a mass concentration',
    );
    expect(testValue(quantity(3, 'mg/mL'), test({ ge: 1, unit: 'g/L' })).because).toBe(
      'unit mg/mL cannot be converted to g/L: careprompt converts only the units listed in src/criteria/ucum.ts, not mg/mL',
    );
  });

  it('compares a unit it does not know only with the very same code', () => {
    expect(testValue(quantity(3, 'mg/mL'), test({ ge: 1, unit: 'mg/mL' }))).toEqual({ held: true, because: '3 mg/mL ≥ 1 mg/mL' });
  });

  it('reads the UCUM code, or unit text that is exactly a known code, and nothing else', () => {
    const fromCode = { valueQuantity: { value: 9.4, unit: 'percent', system: UCUM, code: '%' } };
    expect(testValue(fromCode, test({ ge: 9, unit: '%' })).held).toBe(true);
    const textOnly = { valueQuantity: { value: 9.4, unit: '%' } };
    expect(testValue(textOnly, test({ ge: 9, unit: '%' })).held).toBe(true);
    const otherSystem = { valueQuantity: { value: 9.4, unit: '%', system: 'http://example.org/units', code: 'PCT' } };
    expect(testValue(otherSystem, test({ ge: 9, unit: '%' })).held).toBe(true);
    const wrongCase = { valueQuantity: { value: 126, unit: 'mg/dl' } };
    expect(testValue(wrongCase, test({ ge: 100, unit: 'mg/dL' }))).toEqual({ held: false, because: 'value has no UCUM unit' });
    const words = { valueQuantity: { value: 126, unit: 'milligrams per decilitre', system: 'http://example.org/units', code: 'MGDL' } };
    expect(testValue(words, test({ ge: 100, unit: 'mg/dL' })).because).toBe('value has no UCUM unit');
  });

  it('judges no value that is missing or only bounded', () => {
    const ge9 = test({ ge: 9, unit: '%' });
    expect(testValue({}, ge9)).toEqual({ held: false, because: 'no valueQuantity' });
    expect(testValue({ valueQuantity: { unit: '%', system: UCUM, code: '%' } }, ge9)).toEqual({
      held: false,
      because: 'valueQuantity has no value',
    });
    expect(testValue(quantity(14, '%', { comparator: '>' }), ge9)).toEqual({ held: false, because: 'value has comparator >' });
    expect(testValue(quantity(4, '%', { comparator: '<' }), test({ lt: 7, unit: '%' }))).toEqual({
      held: false,
      because: 'value has comparator <',
    });
  });
});
