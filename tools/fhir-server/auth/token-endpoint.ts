/**
 * `POST /oauth2/token` with `grant_type=client_credentials` (RFC 6749 §4.4), the client authenticated by
 * `client_secret_basic` or by a JWT client assertion (RFC 7523, as SMART Backend Services profiles it).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AccessTokens } from './access-tokens.ts';
import { type ClientAssertions, JWT_BEARER } from './client-assertions.ts';
import { ClientSecrets } from './client-secrets.ts';
import { OAuthError } from './oauth-error.ts';

/** RFC 6749 §3.2: parameters sent more than once make the request invalid. */
const SINGLE_PARAMETERS = ['grant_type', 'scope', 'client_id', 'client_assertion_type', 'client_assertion'];

export interface TokenRequest {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The endpoint's own URL as the client reached it: what `aud` must name. */
  tokenUrl: string;
}

export interface TokenGrant {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export class TokenEndpoint {
  constructor(
    private readonly secrets: ClientSecrets,
    private readonly assertions: ClientAssertions,
    private readonly tokens: AccessTokens,
  ) {}

  /** A grant, or OAuthError. */
  async grant(request: TokenRequest): Promise<TokenGrant> {
    const form = readForm(request);
    const grantType = form.get('grant_type');
    if (grantType === null) {
      throw new OAuthError('invalid_request', 'grant_type is required');
    }
    if (grantType !== 'client_credentials') {
      throw new OAuthError('unsupported_grant_type', 'only grant_type=client_credentials is supported');
    }
    const scope = form.get('scope');
    if (!scope) {
      throw new OAuthError('invalid_request', 'scope is required, e.g. scope=system/Patient.rs');
    }
    await this.authenticate(request, form);
    const { token, expiresIn } = this.tokens.issue();
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope };
  }

  private async authenticate(request: TokenRequest, form: URLSearchParams): Promise<void> {
    const { authorization } = request.headers;
    const assertion = form.get('client_assertion');
    const basic = ClientSecrets.isBasic(authorization);
    if (basic && assertion !== null) {
      throw new OAuthError('invalid_request', 'use one client authentication method, not Basic and client_assertion');
    }
    if (assertion !== null) {
      if (form.get('client_assertion_type') !== JWT_BEARER) {
        throw new OAuthError('invalid_request', `client_assertion_type must be ${JWT_BEARER}`);
      }
      await this.assertions.verify(assertion, request.tokenUrl, form.get('client_id') ?? undefined);
      return;
    }
    if (basic && authorization !== undefined) {
      this.secrets.verify(authorization);
      return;
    }
    throw new OAuthError('invalid_client', 'no client authentication: send Basic credentials or a client_assertion');
  }
}

function readForm(request: TokenRequest): URLSearchParams {
  if (request.method !== 'POST') {
    throw new OAuthError('invalid_request', 'the token endpoint takes POST');
  }
  const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(request.body);
  const repeated = SINGLE_PARAMETERS.find((name) => form.getAll(name).length > 1);
  if (repeated !== undefined) {
    throw new OAuthError('invalid_request', `${repeated} is given more than once`);
  }
  return form;
}
