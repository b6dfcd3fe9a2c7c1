/** What other folders may use from src/fhir; anything not listed here is private to it. */

export { createFhirGateway, type FhirGatewayOptions } from './client.ts';
export { FhirDataError, FhirRequestError, FhirTransientError, failureReason } from './errors.ts';
export type {
  ConditionalCreateResult,
  FhirGateway,
  FhirRequestCounts,
  FhirResource,
  SearchPage,
  SearchParams,
} from './gateway.ts';
export { findResource, loadPatientContext, loadPatientContexts } from './patient-context.ts';
export { clinicalDateOf, codingsOf, patientIdOf, referenceOf, statusOf, untrustedVerificationOf } from './resource-facts.ts';
export {
  COMMUNICATION_CATEGORIES,
  CodeableConcept,
  Coding,
  type CommunicationCategory,
  Condition,
  Extension,
  HumanName,
  type Medication,
  MedicationRequest,
  MedicationStatement,
  Patient,
  type PatientContext,
  Period,
  Procedure,
  Reference,
  TriggerResource,
  type TriggerResourceType,
} from './resources.ts';
