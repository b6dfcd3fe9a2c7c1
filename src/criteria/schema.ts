/**
 * The criteria language of a campaign file: `when:` (must hold), `exclude:` (must not), and the record matches
 * they are built from. Each criterion is an object with exactly one operator key, so YAML reads as it is meant:
 *
 *   when:
 *     all:
 *       - age: { min: 18 }
 *       - lacks: { resource: Observation, codes: ["http://loinc.org|4548-4"], within: P180D }
 *   exclude:
 *     - reason: hospice care
 *       has: { resource: Procedure, valueSet: "http://example.org/fhir/ValueSet/hospice" }
 */
import { z } from 'zod';
import { statusesOf, TRIGGER_RESOURCE_TYPES, type TriggerResourceType } from '../triggers/index.ts';
import { codeToken, duration, valueSetUrl } from './fields.ts';
import { KNOWN_UNITS } from './ucum.ts';

const COMPARATORS = ['gt', 'ge', 'lt', 'le'] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** A test of an Observation's valueQuantity, in a UCUM unit (other units are converted where UCUM allows). */
export const ValueTest = z
  .object({
    gt: z.number().optional(),
    ge: z.number().optional(),
    lt: z.number().optional(),
    le: z.number().optional(),
    unit: z
      .string()
      .min(1, { message: 'must be a UCUM unit code, e.g. "%" or "mm[Hg]"' })
      .superRefine((unit, ctx) => {
        // A unit careprompt does not convert still compares with results in the very same code (eGFR's
        // mL/min/{1.73_m2}); one that differs from a known code only in case would silently match nothing.
        const meant = KNOWN_UNITS.find((known) => known !== unit && known.toLowerCase() === unit.toLowerCase());
        if (meant) ctx.addIssue({ code: 'custom', message: `is not a UCUM code (UCUM is case-sensitive): did you mean ${meant}?` });
      }),
  })
  .strict()
  .refine((test) => COMPARATORS.some((comparator) => test[comparator] !== undefined), {
    message: 'needs at least one of gt, ge, lt, le, e.g. { ge: 9, unit: "%" }',
  })
  .refine(
    (test) => {
      const lowest = Math.max(test.gt ?? Number.NEGATIVE_INFINITY, test.ge ?? Number.NEGATIVE_INFINITY);
      const highest = Math.min(test.lt ?? Number.POSITIVE_INFINITY, test.le ?? Number.POSITIVE_INFINITY);
      return lowest < highest || (lowest === highest && test.gt === undefined && test.lt === undefined);
    },
    { message: 'no value can pass these bounds: the lower bound (gt, ge) must lie below the upper one (lt, le)' },
  );
export type ValueTest = z.infer<typeof ValueTest>;

/** The refinement of a trigger or record match: only an Observation has a value to test. */
const valueOnObservationsOnly: [(match: { resource: string; value?: unknown }) => boolean, { message: string; path: string[] }] = [
  (match) => match.value === undefined || match.resource === 'Observation',
  { message: 'value tests apply to Observations only: remove value or use resource: Observation', path: ['value'] },
];

/** Codes given inline, or by a value set, or both (a coding matches if either lists it). */
const codeSelection = {
  codes: z.array(codeToken).min(1, { message: 'must list at least one "system|code" (or give valueSet instead)' }).optional(),
  valueSet: valueSetUrl.optional().describe('a ValueSet canonical URL: expanded by the FHIR server or read from jobs/valuesets/'),
};
const CODES_NEEDED = 'needs codes ("system|code" list) or valueSet (a ValueSet canonical URL)';
const hasCodes = (selection: { codes?: string[] | undefined; valueSet?: string | undefined }) =>
  selection.codes !== undefined || selection.valueSet !== undefined;

/** Statuses to match: a Condition's clinicalStatus codes, the others' status codes. */
const statusList = z.array(z.string().min(1)).min(1);

/** Every listed status is one the resource type can have: a misspelt one ("Final") would silently match nothing. */
function knownStatuses(match: { resource: TriggerResourceType; status?: string[] | undefined }, ctx: z.RefinementCtx): void {
  const allowed = statusesOf(match.resource);
  for (const [index, status] of (match.status ?? []).entries())
    if (!allowed.includes(status)) ctx.addIssue({ code: 'invalid_value', values: [...allowed], input: status, path: ['status', index] });
}

const resource = z.enum(TRIGGER_RESOURCE_TYPES).describe('a resource type of the trigger registry (src/triggers)');

/** Records of one type matching codes, status, a window before the decision and (for Observations) a value. */
export const RecordMatch = z
  .object({
    resource,
    ...codeSelection,
    status: statusList.optional().describe('allowed statuses; when absent, any but entered-in-error, not-done and cancelled'),
    within: duration.optional().describe('dated within this duration before the decision'),
    value: ValueTest.optional().describe('Observations only: the value test'),
  })
  .strict()
  .refine(hasCodes, { message: CODES_NEEDED })
  .refine(...valueOnObservationsOnly)
  .superRefine(knownStatuses);
export type RecordMatch = z.infer<typeof RecordMatch>;

const GENDERS = ['male', 'female', 'other', 'unknown'] as const;

export const AgeRange = z
  .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
  .strict()
  .refine((age) => age.min !== undefined || age.max !== undefined, { message: 'needs min or max (whole years), e.g. { min: 18 }' })
  .refine((age) => age.min === undefined || age.max === undefined || age.min <= age.max, { message: 'min must not exceed max' });

export const OPERATORS = ['all', 'any', 'not', 'has', 'lacks', 'age', 'gender'] as const;

/** One criterion: exactly one operator. `all`/`any`/`not` nest. */
export type Criterion = {
  all?: Criterion[] | undefined;
  any?: Criterion[] | undefined;
  not?: Criterion | undefined;
  has?: RecordMatch | undefined;
  lacks?: RecordMatch | undefined;
  age?: { min?: number | undefined; max?: number | undefined } | undefined;
  gender?: (typeof GENDERS)[number] | Array<(typeof GENDERS)[number]> | undefined;
};

const operatorFields = {
  all: z
    .array(z.lazy((): z.ZodType<Criterion> => Criterion))
    .min(1)
    .optional(),
  any: z
    .array(z.lazy((): z.ZodType<Criterion> => Criterion))
    .min(1)
    .optional(),
  not: z.lazy((): z.ZodType<Criterion> => Criterion).optional(),
  has: RecordMatch.optional(),
  lacks: RecordMatch.optional(),
  age: AgeRange.optional(),
  gender: z
    .union([z.enum(GENDERS), z.array(z.enum(GENDERS)).min(1)], {
      message: `must be one of ${GENDERS.join(', ')} (FHIR administrative gender, lowercase), or a list of them`,
    })
    .optional(),
};

/** Exactly one operator per criterion: "has X and lacks Y" is written `all: [{ has: X }, { lacks: Y }]`. */
function oneOperator(criterion: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const found = OPERATORS.filter((key) => criterion[key] !== undefined);
  if (found.length === 1) return;
  ctx.addIssue({
    code: 'custom',
    message:
      found.length === 0
        ? `needs one of ${OPERATORS.join(', ')}, e.g. { lacks: { resource: Observation, codes: [...] } }`
        : `has ${found.join(' and ')}: give one per criterion and combine them with all: or any:`,
  });
}

export const Criterion: z.ZodType<Criterion> = z.object(operatorFields).strict().superRefine(oneOperator);

/** "Never prompt if this holds": a criterion with the reason recorded on the skipped prompt. */
export const Exclusion = z
  .object({
    reason: z.string().trim().min(1, { message: 'must say why, in words a clinician reads, e.g. "hospice care"' }),
    ...operatorFields,
  })
  .strict()
  .superRefine(oneOperator);
export type Exclusion = z.infer<typeof Exclusion>;

export { CODES_NEEDED, codeSelection, hasCodes, knownStatuses, resource as recordResource, statusList, valueOnObservationsOnly };
