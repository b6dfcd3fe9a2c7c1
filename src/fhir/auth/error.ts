/**
 * Authentication failed in a way that asking again will not fix: the credentials, the key, the scopes or the
 * token URL are wrong. Its message names the variables to check; it never holds a token, a secret, a key or
 * the server's text. The job layer stops the run on it instead of recording the work as failed: the work is
 * not at fault and is done once the configuration is.
 */
export class FhirAuthError extends Error {
  override readonly name = 'FhirAuthError';

  constructor(
    message: string,
    /** The token endpoint's OAuth error (`invalid_client`, …) or `http-<status>`. */
    readonly code: string,
  ) {
    super(message);
  }
}
