/**
 * Runs one FHIR request with the current access token. A 401 renews the token once and tries once more;
 * a second 401, or one with no token to renew, is a FhirAuthError: the credentials are wrong, not the request.
 */
import type { AccessTokens } from './access-tokens.ts';
import { FhirAuthError } from './error.ts';

export async function withAccessToken<T>(
  tokens: AccessTokens,
  request: (headers: Record<string, string>) => Promise<T>,
  isUnauthorized: (error: unknown) => boolean,
): Promise<T> {
  const refused = () => new FhirAuthError(tokens.refusal, 'http-401');
  const token = await tokens.current();
  let renewed: string | undefined;
  try {
    return await request(headersFor(token));
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    renewed = await tokens.renew(token);
    if (renewed === undefined) throw refused();
  }
  try {
    return await request(headersFor(renewed));
  } catch (error) {
    throw isUnauthorized(error) ? refused() : error;
  }
}

function headersFor(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}
