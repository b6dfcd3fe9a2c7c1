/** Whether an Observation's value passes a campaign's value test (same unit only; conversions come with ucum.ts). */
import type { Observation } from '../triggers/index.ts';
import type { ValueTest } from './schema.ts';

export function testValue(observation: Observation, test: ValueTest): { held: boolean; because: string } {
  const quantity = observation.valueQuantity;
  if (quantity?.value === undefined) return { held: false, because: 'no valueQuantity' };
  const unit = quantity.code ?? quantity.unit;
  if (unit !== test.unit) return { held: false, because: `unit ${unit ?? 'missing'} is not ${test.unit}` };
  const value = quantity.value;
  const held =
    (test.gt === undefined || value > test.gt) &&
    (test.ge === undefined || value >= test.ge) &&
    (test.lt === undefined || value < test.lt) &&
    (test.le === undefined || value <= test.le);
  return { held, because: `${value} ${unit}` };
}
