/**
 * The strict server's authorization: discovery and the token endpoint are open, every other request needs a
 * bearer token issued here. Tokens, secrets and assertions are never logged.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { StrictOptions } from '../strict-options.ts';
import type { StrictStats } from '../strict-stats.ts';
import { AccessTokens } from './access-tokens.ts';
import { ClientAssertions } from './client-assertions.ts';
import { ClientSecrets } from './client-secrets.ts';
import { OAuthError } from './oauth-error.ts';
import { SMART_CONFIGURATION_PATH, smartConfiguration, TOKEN_PATH } from './smart-configuration.ts';
import { TokenEndpoint } from './token-endpoint.ts';

export interface JsonReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** RFC 6749 §5.1: token responses must not be cached. */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

export class AuthServer {
  private readonly tokens: AccessTokens;
  private readonly tokenEndpoint: TokenEndpoint;

  constructor(
    options: NonNullable<StrictOptions['auth']>,
    now: () => number,
    private readonly stats: StrictStats,
  ) {
    this.tokens = new AccessTokens(options.tokenLifetimeSeconds, now);
    this.tokenEndpoint = new TokenEndpoint(new ClientSecrets(options.clients), new ClientAssertions(options.clients, now), this.tokens);
  }

  /** Discovery and the token endpoint, which `answer` handles; FHIR requests go on to `admits`. */
  handles(method: string, pathname: string): boolean {
    return pathname === TOKEN_PATH || (method === 'GET' && pathname === SMART_CONFIGURATION_PATH);
  }

  async answer(method: string, url: URL, headers: IncomingHttpHeaders, body: string): Promise<JsonReply> {
    if (url.pathname === SMART_CONFIGURATION_PATH) {
      return { status: 200, body: smartConfiguration(url.origin), headers: {} };
    }
    try {
      const grant = await this.tokenEndpoint.grant({ method, headers, body, tokenUrl: `${url.origin}${TOKEN_PATH}` });
      this.stats.tokensIssued += 1;
      return { status: 200, body: grant, headers: NO_STORE };
    } catch (error) {
      if (!(error instanceof OAuthError)) {
        throw error;
      }
      this.stats.tokenRequestsRefused += 1;
      const challenge: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Basic' } : {};
      return {
        status: error.status,
        body: { error: error.code, error_description: error.description },
        headers: { ...NO_STORE, ...challenge },
      };
    }
  }

  /** `GET /metadata` is open, as on Medplum; everything else needs a live token. */
  admits(method: string, pathname: string, authorization: string | undefined): boolean {
    return (method === 'GET' && pathname === '/metadata') || this.tokens.admits(authorization);
  }
}
