/** What other folders may use from src/fhir; anything not listed here is private to it. */

export { type AccessTokens, createAccessTokens, FhirAuthError } from './auth/index.ts';
export { createFhirGateway, type FhirGatewayOptions } from './client.ts';
export { Consent, ConsentProvision } from './consent.ts';
export { CodeableConcept, Coding, Extension, Period, Reference } from './datatypes.ts';
export { FhirDataError, FhirRequestError, FhirTransientError, failureReason, fieldPath } from './errors.ts';
export type {
  ConditionalCreateResult,
  FhirGateway,
  FhirRequestCounts,
  FhirResource,
  SearchPage,
  SearchParams,
} from './gateway.ts';
export {
  findResource,
  loadPatientContext,
  loadPatientContexts,
  type PatientContext,
  type PatientPreferences,
  revIncludesFor,
} from './patient-context.ts';
export { loadRecordsByReference } from './records-by-reference.ts';
export { createRedisRequestBudget, type RedisRequestBudgetOptions } from './redis-request-budget.ts';
export { patientIdOf, referenceOf } from './references.ts';
export type { RequestBudget } from './request-budget.ts';
export { COMMUNICATION_CATEGORIES, type CommunicationCategory, HumanName, Patient } from './resources.ts';
export { ValueSetResource } from './value-set.ts';
