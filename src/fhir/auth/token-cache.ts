/**
 * One access token per process, shared by every request: fetched when first needed, renewed shortly before
 * it expires or when the FHIR server refuses it, with one renewal in flight however many requests wait.
 */
import type { TokenGrant } from './token-endpoint.ts';

/** A server that does not say how long its token lasts: assume briefly; a 401 corrects a guess too long. */
export const ASSUMED_LIFETIME_MS = 5 * 60_000;
/** Renew this long before expiry (at most), so a request never leaves with a token about to lapse. */
const RENEWAL_MARGIN_MS = 60_000;

export interface TokenCache {
  /** The cached token, or a fresh one when it is (nearly) expired. */
  current(): Promise<string>;
  /** The server refused `rejected`: a newer token (another request's renewal, or a new one). */
  renew(rejected: string | undefined): Promise<string>;
}

export function createTokenCache(options: { fetchToken: () => Promise<TokenGrant>; now: () => number }): TokenCache {
  let cached: { token: string; renewAtMs: number } | undefined;
  let renewal: Promise<string> | undefined;

  async function fetchAndKeep(): Promise<string> {
    const requestedAt = options.now();
    const grant = await options.fetchToken();
    const lifetimeMs = grant.expiresIn === undefined ? ASSUMED_LIFETIME_MS : grant.expiresIn * 1000;
    // A tenth of the lifetime for short-lived tokens, so one of 30 s is not renewed on every request.
    cached = { token: grant.accessToken, renewAtMs: requestedAt + lifetimeMs - Math.min(RENEWAL_MARGIN_MS, lifetimeMs / 10) };
    return grant.accessToken;
  }

  function renewOnce(): Promise<string> {
    renewal ??= fetchAndKeep().finally(() => {
      renewal = undefined;
    });
    return renewal;
  }

  const fresh = () => (cached && options.now() < cached.renewAtMs ? cached.token : undefined);

  return {
    async current() {
      return fresh() ?? renewOnce();
    },
    async renew(rejected) {
      if (renewal) return renewal;
      const token = fresh();
      if (token !== undefined && token !== rejected) return token;
      cached = undefined;
      return renewOnce();
    },
  };
}
