/** A search match as a candidate: whose it is and what it is, as the poll and the dry run both read it. */
import { type FhirResource, patientIdOf, referenceOf } from '../fhir/index.ts';
import { TriggerResource } from '../triggers/index.ts';

/** The match's patient and reference; undefined when it cannot be used (malformed, no patient subject). */
export function candidateOf(resource: FhirResource): { patientId: string; triggerRef: string } | undefined {
  const parsed = TriggerResource.safeParse(resource);
  const patientId = parsed.success ? patientIdOf(parsed.data) : undefined;
  return parsed.success && patientId ? { patientId, triggerRef: referenceOf(parsed.data) } : undefined;
}
