/**
 * `private_key_jwt` as SMART Backend Services uses it: a JWT signed RS384 or ES384 with a key the client
 * registered, `iss` = `sub` = client id, `aud` = the token endpoint URL, `exp` at most five minutes ahead and a
 * `jti` never seen before (kept until the assertion expires, after which `exp` refuses a replay anyway).
 */
import { createLocalJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify } from 'jose';
import type { RegisteredClient } from '../strict-options.ts';
import { OAuthError } from './oauth-error.ts';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ALGORITHMS = ['RS384', 'ES384'];
const MAX_LIFETIME_SECONDS = 300;

type KeySet = ReturnType<typeof createLocalJWKSet>;

export class ClientAssertions {
  private readonly keySets = new Map<string, KeySet>();
  /** `clientId jti` → the assertion's `exp`, in seconds. */
  private readonly seenJtis = new Map<string, number>();

  constructor(
    clients: readonly RegisteredClient[],
    private readonly now: () => number,
  ) {
    for (const client of clients) {
      if (client.jwks !== undefined) {
        this.keySets.set(client.clientId, createLocalJWKSet(client.jwks));
      }
    }
  }

  /** The client id the assertion authenticates; OAuthError `invalid_client` otherwise. */
  async verify(assertion: string, tokenUrl: string, claimedClientId: string | undefined): Promise<string> {
    const clientId = claimedClientId ?? unverifiedIssuer(assertion);
    const keySet = this.keySets.get(clientId);
    if (!keySet) {
      throw new OAuthError('invalid_client', 'unknown client, or no JWKS is registered for it');
    }
    const nowMs = this.now();
    const payload = await verifySignatureAndClaims(assertion, keySet, { clientId, tokenUrl, nowMs });
    const nowSeconds = Math.floor(nowMs / 1000);
    const expiry = payload.exp ?? 0;
    if (expiry > nowSeconds + MAX_LIFETIME_SECONDS) {
      throw new OAuthError('invalid_client', `client assertion: "exp" is more than ${MAX_LIFETIME_SECONDS} seconds ahead`);
    }
    // Checked and recorded in one synchronous step, so two concurrent requests cannot both use a jti.
    this.forgetExpired(nowSeconds);
    const key = `${clientId} ${payload.jti}`;
    if (this.seenJtis.has(key)) {
      throw new OAuthError('invalid_client', 'client assertion: "jti" was already used');
    }
    this.seenJtis.set(key, expiry);
    return clientId;
  }

  private forgetExpired(nowSeconds: number): void {
    for (const [key, expiry] of this.seenJtis) {
      if (expiry < nowSeconds) {
        this.seenJtis.delete(key);
      }
    }
  }
}

async function verifySignatureAndClaims(
  assertion: string,
  keySet: KeySet,
  expected: { clientId: string; tokenUrl: string; nowMs: number },
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(assertion, keySet, {
      algorithms: ALGORITHMS,
      audience: expected.tokenUrl,
      issuer: expected.clientId,
      subject: expected.clientId,
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(expected.nowMs),
    });
    return payload;
  } catch (error) {
    // jose's messages name the check that failed ('unexpected "aud" claim value'), never the token's content.
    if (error instanceof errors.JOSEError) {
      throw new OAuthError('invalid_client', `client assertion: ${error.message}`);
    }
    throw error;
  }
}

function unverifiedIssuer(assertion: string): string {
  let issuer: unknown;
  try {
    issuer = decodeJwt(assertion).iss;
  } catch (error) {
    if (error instanceof errors.JOSEError) {
      throw new OAuthError('invalid_client', 'client_assertion is not a JWT');
    }
    throw error;
  }
  if (typeof issuer !== 'string') {
    throw new OAuthError('invalid_client', 'client assertion: missing "iss" (the client id)');
  }
  return issuer;
}
