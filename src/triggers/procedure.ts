/** Procedure: something done to the patient (a suture, a surgery), dated when it was performed. */
import { z } from 'zod';
import { CodeableConcept, Period, Reference, ResourceBase } from '../fhir/datatypes.ts';
import { alwaysTrusted, conditionReasonOf, notAMedicine, type TriggerType } from './trigger-type.ts';

export const Procedure = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('Procedure'),
  status: z.string(),
  code: CodeableConcept.optional(),
  subject: Reference,
  performedDateTime: z.string().optional(),
  performedPeriod: Period.optional(),
  reasonReference: z.array(Reference).optional(),
});
export type Procedure = z.infer<typeof Procedure>;

export const procedure: TriggerType<typeof Procedure> = {
  resourceType: 'Procedure',
  schema: Procedure,
  statuses: ['preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error', 'unknown'], // event-status
  search: { code: 'code', status: 'status', date: 'date' },
  conceptOf: (resource) => resource.code,
  ingredientsOf: notAMedicine,
  clinicalDateOf: (resource) => resource.performedDateTime ?? resource.performedPeriod?.start,
  statusOf: (resource) => resource.status,
  untrustedBecause: alwaysTrusted,
  reasonOf: conditionReasonOf,
  template: { list: 'procedures', listed: (resource) => resource.status === 'completed' },
};
