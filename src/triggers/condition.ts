/**
 * Condition: a diagnosis. Its status is a coding (clinicalStatus), its date has three homes, and its
 * verificationStatus can say the diagnosis is not the patient's at all.
 */
import { z } from 'zod';
import { CodeableConcept, Period, Reference, ResourceBase } from '../fhir/datatypes.ts';
import { notAMedicine, type TriggerType } from './trigger-type.ts';

export const Condition = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('Condition'),
  clinicalStatus: CodeableConcept.optional(),
  verificationStatus: CodeableConcept.optional(),
  code: CodeableConcept.optional(),
  subject: Reference,
  onsetDateTime: z.string().optional(),
  onsetPeriod: Period.optional(),
  recordedDate: z.string().optional(),
});
export type Condition = z.infer<typeof Condition>;

const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
/** Verification statuses that say the diagnosis is not the patient's: recorded by mistake, or ruled out. */
const UNTRUSTED_VERIFICATION = new Set(['entered-in-error', 'refuted']);
/** Clinical statuses of a condition the patient has now, as templates list them. */
const ACTIVE_CLINICAL_STATUS = new Set(['active', 'recurrence', 'relapse']);

export const condition: TriggerType<typeof Condition> = {
  resourceType: 'Condition',
  schema: Condition,
  // No date parameter: the clinical date is the onset or, failing that, the recorded date, and one date
  // parameter cannot say "either"; eligibility applies the window instead.
  statuses: ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'], // clinicalStatus (condition-clinical)
  search: { code: 'code', status: 'clinical-status' },
  conceptOf: (resource) => resource.code,
  ingredientsOf: notAMedicine,
  clinicalDateOf: (resource) => resource.onsetDateTime ?? resource.onsetPeriod?.start ?? resource.recordedDate,
  /** The clinical status code, preferring the standard system's coding. */
  statusOf(resource) {
    const codings = resource.clinicalStatus?.coding ?? [];
    const coding = codings.find((c) => c.system === CONDITION_CLINICAL && c.code) ?? codings.find((c) => c.code);
    return coding?.code;
  },
  // Any coding counts: a server may send a local coding beside the standard one.
  untrustedBecause(resource) {
    const code = resource.verificationStatus?.coding?.find((coding) => UNTRUSTED_VERIFICATION.has(coding.code ?? ''))?.code;
    return code ? `verificationStatus ${code}` : undefined;
  },
  reasonOf: (resource) => `Condition/${resource.id}`,
  template: {
    list: 'conditions',
    listed: (resource) => (resource.clinicalStatus?.coding ?? []).some((coding) => ACTIVE_CLINICAL_STATUS.has(coding.code ?? '')),
  },
};
