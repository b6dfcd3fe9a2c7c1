/**
 * The access token of one FHIR request across its attempts. A 401 renews the token once per request, and the
 * caller sends the request again with the new one; a second 401, or one with no token to renew, is a
 * FhirAuthError: the credentials are wrong, not the request.
 */
import type { AccessTokens } from './access-tokens.ts';
import { FhirAuthError } from './error.ts';

export interface RequestAuthorization {
  /** The headers of the next attempt: the token renewed after a 401, else the current one. */
  headers(): Promise<Record<string, string>>;
  /** The server answered 401 to the last attempt: resolves when one more attempt is worth it, else throws FhirAuthError. */
  refused(): Promise<void>;
}

export function authorizeRequest(tokens: AccessTokens): RequestAuthorization {
  let sent: string | undefined;
  let renewed: string | undefined;
  let renewedOnce = false;
  const authError = () => new FhirAuthError(tokens.refusal, 'http-401');
  return {
    async headers(): Promise<Record<string, string>> {
      sent = renewed ?? (await tokens.current());
      renewed = undefined;
      return sent === undefined ? {} : { authorization: `Bearer ${sent}` };
    },
    async refused() {
      if (renewedOnce) throw authError();
      // A renewal that fails transiently throws before it counts: the request's retry may still renew.
      const token = await tokens.renew(sent);
      if (token === undefined) throw authError();
      renewedOnce = true;
      renewed = token;
    },
  };
}
