/**
 * `client_secret_basic` (RFC 6749 §2.3.1): `Authorization: Basic base64(urlencode(id):urlencode(secret))`.
 * Only digests of the secrets are kept, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RegisteredClient } from '../strict-options.ts';
import { OAuthError } from './oauth-error.ts';

const BASIC = /^Basic ([A-Za-z0-9+/]+={0,2})$/i;

export class ClientSecrets {
  private readonly digests = new Map<string, Buffer>();

  constructor(clients: readonly RegisteredClient[]) {
    for (const client of clients) {
      if (client.secret !== undefined) {
        this.digests.set(client.clientId, digest(client.secret));
      }
    }
  }

  static isBasic(authorization: string | undefined): boolean {
    return authorization?.slice(0, 6).toLowerCase() === 'basic ';
  }

  /** The client id the header authenticates; OAuthError `invalid_client` otherwise. */
  verify(authorization: string): string {
    const decoded = Buffer.from(BASIC.exec(authorization)?.[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new OAuthError('invalid_client', 'the Basic credentials are not base64(client_id:client_secret)');
    }
    const clientId = formDecode(decoded.slice(0, colon));
    const expected = this.digests.get(clientId);
    if (!expected) {
      throw new OAuthError('invalid_client', 'unknown client, or no secret is registered for it');
    }
    if (!timingSafeEqual(expected, digest(formDecode(decoded.slice(colon + 1))))) {
      throw new OAuthError('invalid_client', 'wrong client secret');
    }
    return clientId;
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** application/x-www-form-urlencoded decoding, as RFC 6749 asks of both halves. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch (error) {
    if (error instanceof URIError) {
      throw new OAuthError('invalid_client', 'the Basic credentials are not URL-encoded correctly');
    }
    throw error;
  }
}
