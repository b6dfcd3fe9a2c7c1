/**
 * Encounter: a visit (an emergency visit, an inpatient stay), dated when it ended. What it is about is its class
 * (v3 ActCode: EMER, IMP, AMB…) and its types; a campaign's codes may name either.
 */
import { z } from 'zod';
import { CodeableConcept, Coding, Period, Reference, ResourceBase } from '../fhir/datatypes.ts';
import { notAMedicine, type TriggerType } from './trigger-type.ts';

export const Encounter = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('Encounter'),
  status: z.string(),
  class: Coding.optional(),
  type: z.array(CodeableConcept).optional(),
  subject: Reference,
  period: Period.optional(),
  reasonReference: z.array(Reference).optional(),
});
export type Encounter = z.infer<typeof Encounter>;

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

export const encounter: TriggerType<typeof Encounter> = {
  resourceType: 'Encounter',
  schema: Encounter,
  // `date` matches any encounter whose period overlaps the bounds: a superset of "ended within", which
  // eligibility then narrows to the end date.
  statuses: ['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled', 'entered-in-error', 'unknown'], // encounter-status
  search: { code: 'type', status: 'status', date: 'date' },
  /** Class codes are searched with `class`, others with `type`; a list mixing both cannot be one OR, so the search leaves codes to eligibility. */
  codeParameterFor(codes) {
    const classCodes = codes.filter((code) => code.startsWith(`${ACT_CODE}|`)).length;
    if (classCodes === codes.length) return 'class';
    return classCodes === 0 ? 'type' : undefined;
  },
  conceptOf: (resource) => ({
    coding: [...(resource.class ? [resource.class] : []), ...(resource.type ?? []).flatMap((type) => type.coding ?? [])],
    ...(resource.type?.[0]?.text ? { text: resource.type[0].text } : {}),
  }),
  ingredientsOf: notAMedicine,
  clinicalDateOf: (resource) => resource.period?.end,
  statusOf: (resource) => resource.status,
  untrustedBecause: (resource) => (resource.status === 'entered-in-error' ? 'status entered-in-error' : undefined),
  reasonOf: (resource) => resource.reasonReference?.map((ref) => ref.reference).find((ref) => ref?.startsWith('Condition/')),
};
