/**
 * A client_credentials token request (RFC 6749 §4.4) and its answer, checked with zod. An OAuth error is a
 * FhirAuthError naming what to check; only the error code is kept, not the server's description, which could
 * echo what was sent.
 */
import { z } from 'zod';
import { FhirAuthError } from './error.ts';
import { exchange } from './exchange.ts';

export interface TokenGrant {
  accessToken: string;
  /** Seconds the token is valid for, when the server says. */
  expiresIn: number | undefined;
}

export interface TokenRequest {
  url: string;
  /** Form fields besides grant_type (scope, client assertion). */
  fields: Record<string, string>;
  /** Extra headers (Authorization: Basic for client_secret_basic). */
  headers: Record<string, string>;
  timeoutMs: number;
  /** The variables that identify the client, named when the server refuses it. */
  credentials: string;
  /** Said besides when the server answers invalid_client (a likely cause in how the credentials are sent). */
  invalidClientHint?: string;
}

const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().positive())
    .optional(),
});

// RFC 6749 §5.2: the error code is printable ASCII without `"` and `\`; anything else is not worth repeating.
const OAuthError = z.looseObject({ error: z.string().regex(/^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/) });

export async function requestToken(request: TokenRequest): Promise<TokenGrant> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...request.fields });
  const reply = await exchange(
    'FHIR token request',
    request.url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...request.headers },
      body: body.toString(),
    },
    request.timeoutMs,
  );
  if (reply.status === 200) {
    const parsed = TokenResponse.safeParse(reply.body);
    if (parsed.success) return { accessToken: parsed.data.access_token, expiresIn: parsed.data.expires_in };
    throw new FhirAuthError(
      `the token endpoint ${request.url} answered without a bearer access_token: check FHIR_TOKEN_URL`,
      'malformed-token-response',
    );
  }
  const code = OAuthError.safeParse(reply.body).data?.error ?? `http-${reply.status}`;
  throw new FhirAuthError(`the token endpoint ${request.url} refused the request (${code}): ${whatToCheck(code, request)}`, code);
}

function whatToCheck(code: string, request: TokenRequest): string {
  const credentials = `check ${request.credentials}, and the client's registration with the EHR`;
  switch (code) {
    case 'invalid_client':
      return request.invalidClientHint ? `${credentials}; ${request.invalidClientHint}` : credentials;
    case 'unauthorized_client':
    case 'invalid_grant':
      return credentials;
    case 'invalid_scope':
      return `check FHIR_SCOPES against the scopes the client is registered for`;
    default:
      return `check FHIR_TOKEN_URL, and that the EHR registered the client as a backend (client_credentials) app`;
  }
}
