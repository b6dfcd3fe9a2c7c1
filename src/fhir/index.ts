/** What other folders may use from src/fhir; anything not listed here is private to it. */

export { type AccessTokens, createAccessTokens, FhirAuthError } from './auth/index.ts';
export { createFhirGateway, type FhirGatewayOptions } from './client.ts';
export { FhirDataError, FhirRequestError, FhirTransientError, failureReason, fieldPath } from './errors.ts';
export type {
  ConditionalCreateResult,
  FhirGateway,
  FhirRequestCounts,
  FhirResource,
  SearchPage,
  SearchParams,
} from './gateway.ts';
export { findResource, loadPatientContext, loadPatientContexts, REVINCLUDES as PATIENT_REVINCLUDES } from './patient-context.ts';
export { createRedisRequestBudget, type RedisRequestBudgetOptions } from './redis-request-budget.ts';
export type { RequestBudget } from './request-budget.ts';
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
