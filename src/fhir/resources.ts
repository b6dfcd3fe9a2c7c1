/**
 * The slice of FHIR R4 that careprompt reads, as zod schemas. Unknown fields pass through untouched; the
 * fields we rely on are checked, so malformed data fails at the edge with the resource and field named.
 */
import { z } from 'zod';

export const Coding = z.looseObject({
  system: z.string().optional(),
  code: z.string().optional(),
  display: z.string().optional(),
});
export const CodeableConcept = z.looseObject({
  coding: z.array(Coding).optional(),
  text: z.string().optional(),
});
export const Reference = z.looseObject({
  reference: z.string().optional(),
  display: z.string().optional(),
});
export const Period = z.looseObject({ start: z.string().optional(), end: z.string().optional() });
export const Extension = z.looseObject({ url: z.string(), valueCode: z.string().optional() });

const ResourceBase = {
  id: z.string().min(1),
  meta: z.looseObject({ lastUpdated: z.string().optional(), versionId: z.string().optional() }).optional(),
};

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
  communication: z.array(z.looseObject({ language: CodeableConcept, preferred: z.boolean().optional() })).optional(),
  extension: z.array(Extension).optional(),
});

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

const Medication = CodeableConcept;
export const MedicationRequest = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('MedicationRequest'),
  status: z.string(),
  intent: z.string().optional(),
  medicationCodeableConcept: Medication.optional(),
  subject: Reference,
  authoredOn: z.string().optional(),
  reasonReference: z.array(Reference).optional(),
});

export const MedicationStatement = z.looseObject({
  ...ResourceBase,
  resourceType: z.literal('MedicationStatement'),
  status: z.string(),
  medicationCodeableConcept: Medication.optional(),
  subject: Reference,
  effectiveDateTime: z.string().optional(),
  effectivePeriod: Period.optional(),
  reasonReference: z.array(Reference).optional(),
});

/** A resource that can trigger a campaign. */
export const TriggerResource = z.discriminatedUnion('resourceType', [Condition, Procedure, MedicationRequest, MedicationStatement]);

export type Coding = z.infer<typeof Coding>;
export type CodeableConcept = z.infer<typeof CodeableConcept>;
export type Reference = z.infer<typeof Reference>;
export type Patient = z.infer<typeof Patient>;
export type Condition = z.infer<typeof Condition>;
export type Procedure = z.infer<typeof Procedure>;
export type MedicationRequest = z.infer<typeof MedicationRequest>;
export type MedicationStatement = z.infer<typeof MedicationStatement>;
export type TriggerResource = z.infer<typeof TriggerResource>;
export type TriggerResourceType = TriggerResource['resourceType'];
export type Medication = MedicationRequest | MedicationStatement;

/** Everything a template may know about one patient, loaded once per evaluation. */
export interface PatientContext {
  patient: Patient;
  conditions: Condition[];
  procedures: Procedure[];
  medications: Medication[];
}

/** Codes of http://terminology.hl7.org/CodeSystem/communication-category that careprompt sends. */
export const COMMUNICATION_CATEGORIES = ['reminder', 'instruction'] as const;
export type CommunicationCategory = (typeof COMMUNICATION_CATEGORIES)[number];
