/**
 * The Patient as careprompt reads it, and the Communication categories it sends. The resources that trigger
 * campaigns live in src/triggers, one module each.
 */
import { z } from 'zod';
import { CodeableConcept, Extension, Period, ResourceBase } from './datatypes.ts';

export const HumanName = z.looseObject({
  use: z.string().optional(),
  given: z.array(z.string()).optional(),
  family: z.string().optional(),
  text: z.string().optional(),
  period: Period.optional(),
});

export const Patient = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('Patient'),
  active: z.boolean().optional(),
  deceasedBoolean: z.boolean().optional(),
  deceasedDateTime: z.string().optional(),
  name: z.array(HumanName).optional(),
  birthDate: z.string().optional(),
  gender: z.string().optional(),
  communication: z.array(z.looseObject({ language: CodeableConcept, preferred: z.boolean().optional() })).optional(),
  extension: z.array(Extension).optional(),
});

export type Patient = z.infer<typeof Patient>;

/** Codes of http://terminology.hl7.org/CodeSystem/communication-category that careprompt sends. */
export const COMMUNICATION_CATEGORIES = ['reminder', 'instruction'] as const;
export type CommunicationCategory = (typeof COMMUNICATION_CATEGORIES)[number];
