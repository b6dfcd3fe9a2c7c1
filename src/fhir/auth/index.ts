/** Authentication to the FHIR server: access tokens per FHIR_AUTH, and the token of each request. */
export { type AccessTokenOptions, type AccessTokens, createAccessTokens, NO_ACCESS_TOKENS } from './access-tokens.ts';
export { authorizeRequest, type RequestAuthorization } from './authorize.ts';
export { FhirAuthError } from './error.ts';
