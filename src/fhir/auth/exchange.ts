/**
 * One request to the authorization server (SMART configuration, token endpoint) over fetch. Failures that
 * may pass (network, timeout, 408, 429, 5xx) become FhirTransientError, retried like any FHIR request; the
 * caller decides about the rest. Redirects are not followed: a token request carries credentials.
 */
import { FhirTransientError } from '../errors.ts';
import { NOT_JSON, parseJsonBody } from '../json.ts';
import { transientNetworkError } from '../network-failure.ts';
import { announcedWaitMs } from '../rate-limit.ts';
import { isTransient } from '../retry.ts';

export interface Exchange {
  status: number;
  /** The parsed JSON body; undefined when it is empty or not JSON. */
  body: unknown;
}

export async function exchange(what: string, url: string, init: RequestInit, timeoutMs: number): Promise<Exchange> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    throw transientNetworkError(error, { what, timeoutMs }) ?? error;
  }
  if (isTransient(response.status)) {
    throw new FhirTransientError(`${what} failed with HTTP ${response.status}`, {
      status: response.status,
      retryAfterMs: announcedWaitMs((name) => response.headers.get(name) ?? undefined, Date.now()),
    });
  }
  const body = parseJsonBody(text);
  return { status: response.status, body: body === NOT_JSON ? undefined : body };
}
