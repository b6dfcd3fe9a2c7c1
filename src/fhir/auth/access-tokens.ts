/**
 * Where a FHIR request's bearer token comes from, per FHIR_AUTH: nowhere (none), the environment (bearer),
 * or the EHR's token endpoint (client-credentials with client_secret_basic; smart-backend with a signed
 * client assertion), cached and renewed by the token cache.
 */
import type { FhirAuth } from '../../config/index.ts';
import { type Logger, silentLogger } from '../../log/index.ts';
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from './client-assertion.ts';
import { discoverTokenUrl } from './discovery.ts';
import { createTokenCache } from './token-cache.ts';
import { requestToken } from './token-endpoint.ts';

export interface AccessTokens {
  /** The token to send now; undefined when requests go without one. */
  current(): Promise<string | undefined>;
  /** The FHIR server answered 401 to `rejected`: a token worth one more try, or undefined when there is none. */
  renew(rejected: string | undefined): Promise<string | undefined>;
  /** Why the run stops when the FHIR server refuses what this source gives it, naming what to check. */
  readonly refusal: string;
}

export interface AccessTokenOptions {
  /** The FHIR base URL, whose SMART configuration names the token endpoint when FHIR_TOKEN_URL is unset. */
  baseUrl: string;
  timeoutMs: number;
  /** Milliseconds since the epoch; tests pass a fake clock. @defaultValue Date.now */
  now?: () => number;
  /** Records a failed early renewal (requests go on with the valid token meanwhile). @defaultValue silent */
  logger?: Logger;
}

export const NO_ACCESS_TOKENS: AccessTokens = {
  current: async () => undefined,
  renew: async () => undefined,
  refusal: 'the FHIR server requires authentication (HTTP 401): set FHIR_AUTH and the variables of its mode',
};

export function createAccessTokens(auth: FhirAuth, options: AccessTokenOptions): AccessTokens {
  if (auth.mode === 'none') return NO_ACCESS_TOKENS;
  if (auth.mode === 'bearer') {
    return {
      current: async () => auth.token.reveal(),
      renew: async () => undefined,
      refusal: 'the FHIR server refused FHIR_TOKEN (HTTP 401): check FHIR_TOKEN (it may have expired)',
    };
  }
  const now = options.now ?? Date.now;
  const tokenUrl = memoizeSuccess(async () => auth.tokenUrl ?? discoverTokenUrl(options.baseUrl, options.timeoutMs));
  const cache = createTokenCache({
    now,
    logger: options.logger ?? silentLogger,
    async fetchToken() {
      const url = await tokenUrl();
      const request = { url, timeoutMs: options.timeoutMs, fields: { scope: auth.scopes } };
      if (auth.mode === 'client-credentials') {
        const secret = auth.clientSecret.reveal();
        const hint = encodingHint({ FHIR_CLIENT_ID: auth.clientId, FHIR_CLIENT_SECRET: secret });
        return requestToken({
          ...request,
          headers: { authorization: basicAuthorization(auth.clientId, secret) },
          credentials: 'FHIR_CLIENT_ID and FHIR_CLIENT_SECRET',
          ...(hint ? { invalidClientHint: hint } : {}),
        });
      }
      const assertion = await signClientAssertion({ signingKey: auth.signingKey, clientId: auth.clientId, tokenUrl: url, nowMs: now() });
      return requestToken({
        ...request,
        fields: { ...request.fields, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion },
        headers: {},
        credentials: 'FHIR_CLIENT_ID, FHIR_PRIVATE_KEY_FILE and FHIR_KEY_ID (the public key registered with the EHR must match)',
      });
    },
  });
  return {
    current: () => cache.current(),
    renew: (rejected) => cache.renew(rejected),
    refusal:
      'the FHIR server refused a newly issued access token (HTTP 401): check FHIR_SCOPES and that the client is registered for this FHIR server',
  };
}

/** client_secret_basic (RFC 6749 §2.3.1): id and secret are form-urlencoded before they are joined and base64-encoded. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncoded(clientId)}:${formEncoded(clientSecret)}`).toString('base64')}`;
}

const formEncoded = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);

/**
 * Many token endpoints skip the form-decoding §2.3.1 asks for, and refuse an id or secret that encoding changed
 * (`+ / = %`, spaces, …) as invalid_client. Names the variables holding such characters, never their values.
 */
function encodingHint(values: Record<string, string>): string | undefined {
  const changed = Object.keys(values).filter((name) => formEncoded(values[name] ?? '') !== values[name]);
  if (changed.length === 0) return undefined;
  return (
    `${changed.join(' and ')} ${changed.length > 1 ? 'hold' : 'holds'} characters that client_secret_basic form-urlencodes ` +
    `before Base64 (RFC 6749 §2.3.1), which some token endpoints do not decode: if the value is right, ask the EHR ` +
    `for one of letters, digits and - . _ * only, or use FHIR_AUTH=smart-backend`
  );
}

/** Calls `load` once and keeps its result; a failure is not kept, so the next call tries again. */
function memoizeSuccess<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
