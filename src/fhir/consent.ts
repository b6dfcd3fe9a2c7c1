/**
 * The FHIR R4 Consent as careprompt reads it: whether the patient has said no to being messaged. Only the fields
 * the opt-out rules look at are checked; the rest passes through. Provisions nest (an exception to an exception),
 * so the schema is recursive.
 */
import { z } from 'zod';
import { CodeableConcept, Coding, Period, Reference, ResourceBase } from './datatypes.ts';

export interface ConsentProvision {
  type?: 'deny' | 'permit' | undefined;
  period?: z.infer<typeof Period> | undefined;
  action?: CodeableConcept[] | undefined;
  purpose?: Coding[] | undefined;
  code?: CodeableConcept[] | undefined;
  provision?: ConsentProvision[] | undefined;
  [field: string]: unknown;
}

export const ConsentProvision: z.ZodType<ConsentProvision> = z.lazy(() =>
  z.looseObject({
    type: z.enum(['deny', 'permit']).optional(),
    period: Period.optional(),
    action: z.array(CodeableConcept).optional(),
    purpose: z.array(Coding).optional(),
    code: z.array(CodeableConcept).optional(),
    provision: z.array(ConsentProvision).optional(),
  }),
);

export const Consent = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('Consent'),
  status: z.string(),
  patient: Reference.optional(),
  category: z.array(CodeableConcept).optional(),
  provision: ConsentProvision.optional(),
});

export type Consent = z.infer<typeof Consent>;
