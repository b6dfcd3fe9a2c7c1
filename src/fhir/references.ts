/** How careprompt names resources and reads the patient a resource is about. */
import type { Reference } from './datatypes.ts';

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
