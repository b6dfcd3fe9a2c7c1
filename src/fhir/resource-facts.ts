/**
 * Small facts read off the resources careprompt triggers on, so the rest of the engine never needs to know
 * that a Condition's date has three homes or that its status is a coding while the others' is a string.
 */
import type { Coding, Reference, TriggerResource } from './resources.ts';

const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
/** Verification statuses that say the diagnosis is not the patient's: recorded by mistake, or ruled out. */
const UNTRUSTED_VERIFICATION = new Set(['entered-in-error', 'refuted']);

// A FHIR id (1–64 of [A-Za-z0-9-.]) after "Patient/", optionally pinned to a version. Only relative references
// are local: the gateway makes this server's absolute ones relative, and another server's patient is not ours.
const PATIENT_REFERENCE = /^Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** `Condition/123`: how references, outbox rows and logs name a resource. */
export function referenceOf(resource: { resourceType: string; id: string }): string {
  return `${resource.resourceType}/${resource.id}`;
}

/**
 * The Patient id a resource's subject points at, for `Patient/123`; undefined for anything else (another
 * server's patient, a Group, a contained `#ref`, a `urn:uuid:`, a missing reference).
 */
export function patientIdOf(resource: { subject?: Reference | undefined }): string | undefined {
  const reference = resource.subject?.reference;
  return reference ? PATIENT_REFERENCE.exec(reference)?.[1] : undefined;
}

/** What the resource is about: the code of a Condition or Procedure, the medication of a medication resource. */
export function codingsOf(resource: TriggerResource): Coding[] {
  switch (resource.resourceType) {
    case 'Condition':
    case 'Procedure':
      return resource.code?.coding ?? [];
    case 'MedicationRequest':
    case 'MedicationStatement':
      return resource.medicationCodeableConcept?.coding ?? [];
  }
}

/** When it happened clinically (not when the record changed); FHIR dateTime text, possibly partial (`2024-03`). */
export function clinicalDateOf(resource: TriggerResource): string | undefined {
  switch (resource.resourceType) {
    case 'Condition':
      return resource.onsetDateTime ?? resource.onsetPeriod?.start ?? resource.recordedDate;
    case 'Procedure':
      return resource.performedDateTime ?? resource.performedPeriod?.start;
    case 'MedicationRequest':
      return resource.authoredOn;
    case 'MedicationStatement':
      return resource.effectiveDateTime ?? resource.effectivePeriod?.start;
  }
}

/** `active`, `completed`, `resolved`…: a Condition's clinical status code, the others' status. */
export function statusOf(resource: TriggerResource): string | undefined {
  if (resource.resourceType !== 'Condition') return resource.status;
  const codings = resource.clinicalStatus?.coding ?? [];
  const coding = codings.find((c) => c.system === CONDITION_CLINICAL && c.code) ?? codings.find((c) => c.code);
  return coding?.code;
}

/**
 * `entered-in-error` or `refuted` when a Condition's verificationStatus says the diagnosis is not the patient's
 * (any coding counts: a server may send a local coding beside the standard one); undefined otherwise.
 */
export function untrustedVerificationOf(resource: TriggerResource): string | undefined {
  if (resource.resourceType !== 'Condition') return undefined;
  return resource.verificationStatus?.coding?.find((coding) => UNTRUSTED_VERIFICATION.has(coding.code ?? ''))?.code;
}
