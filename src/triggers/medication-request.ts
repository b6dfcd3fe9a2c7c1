/** MedicationRequest: a prescription, dated when it was written. */
import { z } from 'zod';
import { Reference, ResourceBase } from '../fhir/datatypes.ts';
import { MedicationFields, medicationConceptOf, medicationIngredientsOf } from './medication.ts';
import { alwaysTrusted, conditionReasonOf, type TriggerType } from './trigger-type.ts';

export const MedicationRequest = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('MedicationRequest'),
  status: z.string(),
  intent: z.string().optional(),
  ...MedicationFields,
  subject: Reference,
  authoredOn: z.string().optional(),
  reasonReference: z.array(Reference).optional(),
});
export type MedicationRequest = z.infer<typeof MedicationRequest>;

export const medicationRequest: TriggerType<typeof MedicationRequest> = {
  resourceType: 'MedicationRequest',
  schema: MedicationRequest,
  statuses: ['active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown'], // medicationrequest-status
  search: { code: 'code', status: 'status', date: 'authoredon' },
  conceptOf: medicationConceptOf,
  ingredientsOf: medicationIngredientsOf,
  clinicalDateOf: (resource) => resource.authoredOn,
  statusOf: (resource) => resource.status,
  untrustedBecause: alwaysTrusted,
  reasonOf: conditionReasonOf,
  template: { list: 'medications', listed: (resource) => resource.status === 'active' },
};
