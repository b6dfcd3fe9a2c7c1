/**
 * Observation: a measurement or result (an HbA1c, a blood pressure), dated when it was taken. A result value is
 * sensitive (see the campaign's `resultsMessaging`); value tests read `valueQuantity` (src/criteria).
 */
import { z } from 'zod';
import { CodeableConcept, Period, Quantity, Reference, ResourceBase } from '../fhir/datatypes.ts';
import { notAMedicine, type TriggerType } from './trigger-type.ts';

export const Observation = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('Observation'),
  status: z.string(),
  code: CodeableConcept,
  subject: Reference,
  effectiveDateTime: z.string().optional(),
  effectiveInstant: z.string().optional(),
  effectivePeriod: Period.optional(),
  issued: z.string().optional(),
  valueQuantity: Quantity.optional(),
});
export type Observation = z.infer<typeof Observation>;

export const observation: TriggerType<typeof Observation> = {
  resourceType: 'Observation',
  schema: Observation,
  statuses: ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'], // observation-status
  search: { code: 'code', status: 'status', date: 'date' },
  loadedByCode: true,
  conceptOf: (resource) => resource.code,
  ingredientsOf: notAMedicine,
  clinicalDateOf: (resource) => resource.effectiveDateTime ?? resource.effectiveInstant ?? resource.effectivePeriod?.start,
  statusOf: (resource) => resource.status,
  untrustedBecause: (resource) => (resource.status === 'entered-in-error' ? 'status entered-in-error' : undefined),
  reasonOf: () => undefined,
};
