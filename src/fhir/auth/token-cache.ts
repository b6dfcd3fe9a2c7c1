/**
 * One access token per process, shared by every request: fetched when first needed, renewed shortly before
 * it expires or when the FHIR server refuses it, with one renewal in flight however many requests wait.
 *
 * Renewing early happens in the background: until the token expires, requests keep using it, so a token
 * endpoint that blips during the margin costs nothing. Only a request with no valid token waits for one.
 */
import type { Logger } from '../../log/index.ts';
import { FhirAuthError } from './error.ts';
import type { TokenGrant } from './token-endpoint.ts';

/** A server that does not say how long its token lasts: assume briefly; a 401 corrects a guess too long. */
export const ASSUMED_LIFETIME_MS = 5 * 60_000;
/** Renew this long before expiry (at most), so the new token is there before the old one lapses. */
const RENEWAL_MARGIN_MS = 60_000;

export interface TokenCache {
  /** The cached token while it is valid (renewed in the background once it is nearly expired), else a fresh one. */
  current(): Promise<string>;
  /** The server refused `rejected`: a newer token (another request's renewal, or a new one). */
  renew(rejected: string | undefined): Promise<string>;
}

export interface TokenCacheOptions {
  fetchToken: () => Promise<TokenGrant>;
  now: () => number;
  /** Where a failed background renewal is recorded (error name, code and our own message only). */
  logger: Logger;
}

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  let cached: { token: string; renewAtMs: number; expiresAtMs: number } | undefined;
  let renewal: Promise<string> | undefined;
  // A background renewal the token endpoint refused for good (invalid_client, …): the next request stops on it.
  let refusal: FhirAuthError | undefined;

  async function fetchAndKeep(): Promise<string> {
    const requestedAt = options.now();
    const grant = await options.fetchToken();
    const lifetimeMs = grant.expiresIn === undefined ? ASSUMED_LIFETIME_MS : grant.expiresIn * 1000;
    const expiresAtMs = requestedAt + lifetimeMs;
    // A tenth of the lifetime for short-lived tokens, so one of 30 s is not renewed on every request.
    cached = { token: grant.accessToken, renewAtMs: expiresAtMs - Math.min(RENEWAL_MARGIN_MS, lifetimeMs / 10), expiresAtMs };
    return grant.accessToken;
  }

  function renewOnce(): Promise<string> {
    renewal ??= fetchAndKeep().finally(() => {
      renewal = undefined;
    });
    return renewal;
  }

  /** Starts a renewal no request waits for; if it fails, the next request past the margin starts another. */
  function renewInBackground(): void {
    if (renewal) return;
    renewOnce().catch((error: unknown) => {
      if (error instanceof FhirAuthError) refusal = error;
      options.logger.warn({ err: error }, 'renewing the FHIR access token early failed; the current one is used until it expires');
    });
  }

  const valid = () => (cached && options.now() < cached.expiresAtMs ? cached : undefined);

  return {
    async current() {
      if (refusal) {
        const error = refusal;
        refusal = undefined;
        throw error;
      }
      const token = valid();
      if (!token) return renewOnce();
      if (options.now() >= token.renewAtMs) renewInBackground();
      return token.token;
    },
    async renew(rejected) {
      if (renewal) return renewal;
      const token = valid()?.token;
      if (token !== undefined && token !== rejected) return token;
      cached = undefined;
      return renewOnce();
    },
  };
}
