/**
 * An Observation's value against a campaign's value test (pure): every bound the test gives must hold, in the
 * test's unit, the value converted where src/criteria/ucum.ts allows. The explanation is stored with the
 * decision (like the evidence), so it shows the value; it is never logged.
 */
import type { Quantity } from '../fhir/datatypes.ts';
import type { Comparator, ValueTest } from './schema.ts';
import { convertUnit, ucumCodeOf } from './ucum.ts';

export interface ValueTestResult {
  held: boolean;
  /** Why, in a clinician's terms: "9.4 % ≥ 9 %", "75 mmol/mol = 9.0131 % ≥ 9 %", "no valueQuantity". */
  because: string;
}

const SYMBOLS: Record<Comparator, string> = { gt: '>', ge: '≥', lt: '<', le: '≤' };
const COMPARATORS = Object.keys(SYMBOLS) as Comparator[];

const HOLDS: Record<Comparator, (value: number, bound: number) => boolean> = {
  gt: (value, bound) => value > bound,
  ge: (value, bound) => value >= bound,
  lt: (value, bound) => value < bound,
  le: (value, bound) => value <= bound,
};

/** Digits a converted value is shown with: enough to see which side of a bound it lies. */
const SHOWN_DIGITS = 6;

export function testValue(observation: { valueQuantity?: Quantity | undefined }, test: ValueTest): ValueTestResult {
  const quantity = observation.valueQuantity;
  if (!quantity) return { held: false, because: 'no valueQuantity' };
  if (quantity.value === undefined) return { held: false, because: 'valueQuantity has no value' };
  // "<5" says only where the value lies, not what it is: no bound can be judged against it.
  if (quantity.comparator !== undefined) return { held: false, because: `value has comparator ${quantity.comparator}` };
  const unit = ucumCodeOf(quantity);
  if (unit === undefined) return { held: false, because: 'value has no UCUM unit' };
  const converted = convertUnit(quantity.value, unit, test.unit);
  if (!converted.ok) return { held: false, because: converted.problem };

  const value = converted.value;
  const shown = `${quantity.value} ${unit}${unit === test.unit ? '' : ` = ${Number(value.toPrecision(SHOWN_DIGITS))} ${test.unit}`}`;
  const bounds = COMPARATORS.flatMap((comparator) => {
    const bound = test[comparator];
    return bound === undefined ? [] : [{ comparator, bound, holds: HOLDS[comparator](value, bound) }];
  });
  const failed = bounds.find((bound) => !bound.holds);
  if (failed) return { held: false, because: `${shown} is not ${SYMBOLS[failed.comparator]} ${failed.bound} ${test.unit}` };
  return {
    held: true,
    because: `${shown} ${bounds.map(({ comparator, bound }) => `${SYMBOLS[comparator]} ${bound} ${test.unit}`).join(' and ')}`,
  };
}
