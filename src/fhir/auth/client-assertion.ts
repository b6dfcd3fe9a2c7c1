/**
 * The signed JWT a SMART Backend Services client authenticates with (private_key_jwt, RFC 7523): a new one
 * for every token request, since servers refuse a `jti` they have seen.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from '../../keys/index.ts';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

// SMART allows at most 5 minutes; a minute less leaves room for a server whose clock runs ahead of ours.
const LIFETIME_SECONDS = 240;

export function signClientAssertion(options: {
  signingKey: SigningKey & { keyId: string };
  clientId: string;
  tokenUrl: string;
  nowMs: number;
}): Promise<string> {
  const { signingKey, clientId } = options;
  const now = Math.floor(options.nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: signingKey.algorithm, kid: signingKey.keyId, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(options.tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(signingKey.privateKey);
}
