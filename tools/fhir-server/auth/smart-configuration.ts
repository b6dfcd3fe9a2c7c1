/** `GET /.well-known/smart-configuration`: where a backend client finds the token endpoint (SMART App Launch 2). */
export const TOKEN_PATH = '/oauth2/token';
export const SMART_CONFIGURATION_PATH = '/.well-known/smart-configuration';

/** The resource types the test server serves, and what careprompt may do with each. */
const SCOPES = [
  'system/Patient.rs',
  'system/Condition.rs',
  'system/Procedure.rs',
  'system/MedicationRequest.rs',
  'system/MedicationStatement.rs',
  'system/Communication.crs',
];

export function smartConfiguration(baseUrl: string): Record<string, unknown> {
  return {
    token_endpoint: `${baseUrl}${TOKEN_PATH}`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    scopes_supported: SCOPES,
    capabilities: ['client-confidential-asymmetric', 'client-confidential-symmetric', 'permission-v2'],
  };
}
