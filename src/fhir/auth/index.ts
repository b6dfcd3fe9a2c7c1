/** Authentication to the FHIR server: access tokens per FHIR_AUTH, and running a request with one. */
export { type AccessTokenOptions, type AccessTokens, createAccessTokens, NO_ACCESS_TOKENS } from './access-tokens.ts';
export { withAccessToken } from './authorize.ts';
export { FhirAuthError } from './error.ts';
