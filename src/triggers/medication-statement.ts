/** MedicationStatement: a medication the patient takes or took (reported, not prescribed here). */
import { z } from 'zod';
import { Period, Reference, ResourceBase } from '../fhir/datatypes.ts';
import { MedicationFields, medicationConceptOf, medicationIngredientsOf } from './medication.ts';
import { alwaysTrusted, conditionReasonOf, type TriggerType } from './trigger-type.ts';

export const MedicationStatement = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('MedicationStatement'),
  status: z.string(),
  ...MedicationFields,
  subject: Reference,
  effectiveDateTime: z.string().optional(),
  effectivePeriod: Period.optional(),
  reasonReference: z.array(Reference).optional(),
});
export type MedicationStatement = z.infer<typeof MedicationStatement>;

export const medicationStatement: TriggerType<typeof MedicationStatement> = {
  resourceType: 'MedicationStatement',
  schema: MedicationStatement,
  statuses: ['active', 'completed', 'entered-in-error', 'intended', 'stopped', 'on-hold', 'unknown', 'not-taken'], // medication-statement-status
  search: { code: 'code', status: 'status', date: 'effective' },
  conceptOf: medicationConceptOf,
  ingredientsOf: medicationIngredientsOf,
  clinicalDateOf: (resource) => resource.effectiveDateTime ?? resource.effectivePeriod?.start,
  statusOf: (resource) => resource.status,
  untrustedBecause: alwaysTrusted,
  reasonOf: conditionReasonOf,
  template: { list: 'medications', listed: (resource) => resource.status === 'active' },
};
