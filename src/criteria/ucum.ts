/**
 * The UCUM units careprompt converts between (pure). Deliberately small: the units clinical results and vital
 * signs are reported in, grouped by what they measure. Within a group each unit maps to the group's base unit as
 * `base = value × scale + offset`; units of different groups never convert.
 *
 *   group                    units (base first)                     note
 *   fraction (HbA1c)         %, mmol/mol                            see below
 *   pressure                 Pa, kPa, mm[Hg]                        mm[Hg] = 133.322 Pa, as UCUM defines it
 *   mass concentration       g/L, g/dL, mg/dL, mg/L
 *   substance concentration  mol/L, mmol/L, umol/L
 *   mass                     g, kg, [lb_av]                         [lb_av] = 453.59237 g
 *   length                   m, cm, [in_i]                          [in_i] = 2.54 cm
 *   rate                     /min                                   heart and breathing rates
 *   body mass index          kg/m2
 *
 * HbA1c: NGSP `%` and IFCC `mmol/mol` are related by the NGSP–IFCC master equation
 * `% = 0.09148 × mmol/mol + 2.152`, which is affine, not a factor. careprompt supports it: `mmol/mol` is read as
 * an IFCC HbA1c, the only result reported in that unit, and `%` converts to nothing else (a percentage of
 * anything else is compared only with `%`). The campaign's codes choose the analyte.
 *
 * Mass and substance concentrations (mg/dL and mmol/L) are refused: converting needs the analyte's molar mass,
 * which a unit does not tell.
 */

import type { Quantity } from '../fhir/datatypes.ts';

const UCUM_SYSTEM = 'http://unitsofmeasure.org';

type Group = 'fraction' | 'pressure' | 'mass concentration' | 'substance concentration' | 'mass' | 'length' | 'rate' | 'body mass index';

interface Unit {
  group: Group;
  scale: number;
  offset?: number;
}

const UNITS: ReadonlyMap<string, Unit> = new Map<string, Unit>([
  ['%', { group: 'fraction', scale: 1 }],
  ['mmol/mol', { group: 'fraction', scale: 0.09148, offset: 2.152 }],
  ['Pa', { group: 'pressure', scale: 1 }],
  ['kPa', { group: 'pressure', scale: 1000 }],
  ['mm[Hg]', { group: 'pressure', scale: 133.322 }],
  ['g/L', { group: 'mass concentration', scale: 1 }],
  ['g/dL', { group: 'mass concentration', scale: 10 }],
  ['mg/dL', { group: 'mass concentration', scale: 0.01 }],
  ['mg/L', { group: 'mass concentration', scale: 0.001 }],
  ['mol/L', { group: 'substance concentration', scale: 1 }],
  ['mmol/L', { group: 'substance concentration', scale: 1e-3 }],
  ['umol/L', { group: 'substance concentration', scale: 1e-6 }],
  ['g', { group: 'mass', scale: 1 }],
  ['kg', { group: 'mass', scale: 1000 }],
  ['[lb_av]', { group: 'mass', scale: 453.59237 }],
  ['m', { group: 'length', scale: 1 }],
  ['cm', { group: 'length', scale: 0.01 }],
  ['[in_i]', { group: 'length', scale: 0.0254 }],
  ['/min', { group: 'rate', scale: 1 }],
  ['kg/m2', { group: 'body mass index', scale: 1 }],
]);

/**
 * Converted results are rounded to this many significant digits, so that binary fractions (0.01 × 900) compare
 * at a threshold as the decimal numbers they stand for.
 */
/** The unit codes careprompt can compare values in (a test in another unit could never match a result). */
export const KNOWN_UNITS: readonly string[] = [...UNITS.keys()];

const PRECISION = 12;

export type Conversion = { ok: true; value: number } | { ok: false; problem: string };

/** `value` in unit `from` expressed in unit `to`, or why that cannot be done. Equal codes need no table. */
export function convertUnit(value: number, from: string, to: string): Conversion {
  if (from === to) return { ok: true, value };
  const source = UNITS.get(from);
  const target = UNITS.get(to);
  const cannot = `unit ${from} cannot be converted to ${to}`;
  if (!source || !target) {
    const unknown = [from, to].filter((code) => !UNITS.has(code)).join(' and ');
    return { ok: false, problem: `${cannot}: careprompt converts only the units listed in src/criteria/ucum.ts, not ${unknown}` };
  }
  if (source.group !== target.group) {
    const molar = new Set([source.group, target.group]);
    const needsMolarMass = molar.has('mass concentration') && molar.has('substance concentration');
    return {
      ok: false,
      problem: needsMolarMass
        ? `${cannot}: a mass concentration becomes a molar one only with the analyte's molar mass`
        : `${cannot}: one is a ${source.group}, the other a ${target.group}`,
    };
  }
  const base = value * source.scale + (source.offset ?? 0);
  const converted = (base - (target.offset ?? 0)) / target.scale;
  return { ok: true, value: Number(converted.toPrecision(PRECISION)) };
}

/**
 * The quantity's unit as a UCUM code: its `code` when its system is UCUM; otherwise its `unit` text, only when
 * that text is exactly a code careprompt knows (`mg/dL`, not `mg/dl` or `milligrams per decilitre`).
 */
export function ucumCodeOf(quantity: Pick<Quantity, 'system' | 'code' | 'unit'>): string | undefined {
  if (quantity.system === UCUM_SYSTEM && quantity.code) return quantity.code;
  return quantity.unit !== undefined && UNITS.has(quantity.unit) ? quantity.unit : undefined;
}
