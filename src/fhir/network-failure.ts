/**
 * Which failures of a request are the network's (no answer, an answer cut short, no answer in time), and so
 * transient: the one classification both HTTP paths (fetch for fhir-kit-client and the token endpoint, http.ts
 * for the conditional create) go through.
 */
import { FhirTransientError } from './errors.ts';
import { HttpNetworkError } from './http.ts';

/**
 * Whether a fetch failed in the network (no answer, or an answer cut short), recognised by code, never by
 * wording: undici rejects with a TypeError whose `cause` is the socket's error (`ECONNREFUSED`, `UND_ERR_SOCKET`
 * for a body cut short, …); the Fetch standard's network error, which msw raises for `HttpResponse.error()`,
 * carries the `Response.error()` it stands for. Anything else (a malformed URL, a bug) is not a network failure.
 */
const NETWORK_CODES = new Set([
  // node:net and node:dns, as undici passes them on
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  // undici's own
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const { cause } = error;
  if (cause instanceof Response) return cause.type === 'error';
  return typeof cause === 'object' && cause !== null && 'code' in cause && NETWORK_CODES.has(String(cause.code));
}

/**
 * A network failure or timeout of either HTTP path as the FhirTransientError it is, or undefined for anything
 * else (a bug). `what` names the request, `when` (e.g. `attempt 1/4`) follows in parentheses. The cause is the
 * socket's error (ECONNREFUSED, …), which holds no header, so no credential.
 */
export function transientNetworkError(
  error: unknown,
  request: { what: string; timeoutMs: number; when?: string },
): FhirTransientError | undefined {
  const when = request.when ? ` (${request.when})` : '';
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new FhirTransientError(`${request.what} timed out after ${request.timeoutMs} ms${when}`, { cause: error });
  }
  if (error instanceof HttpNetworkError || isNetworkFailure(error)) {
    return new FhirTransientError(`${request.what} failed: network error${when}`, { cause: error });
  }
  return undefined;
}
