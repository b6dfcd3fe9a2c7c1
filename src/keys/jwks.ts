/**
 * The public half of a signing key as the JWKS an EHR registers: built from the public key alone, so no
 * private member can slip into it.
 */
import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningKey } from './signing-key.ts';

export interface PublicJwks {
  keys: JWK[];
}

export function publicJwks(key: SigningKey & { keyId: string }): PublicJwks {
  return { keys: [{ ...publicJwkOf(key), kid: key.keyId, alg: key.algorithm, use: 'sig' }] };
}

/** The RFC 7638 thumbprint (SHA-256) of the public key: a key id that names the key and nothing else. */
export function thumbprintOf(key: Pick<SigningKey, 'privateKey'>): Promise<string> {
  return calculateJwkThumbprint(publicJwkOf(key), 'sha256');
}

function publicJwkOf(key: Pick<SigningKey, 'privateKey'>): JWK {
  return createPublicKey(key.privateKey).export({ format: 'jwk' }) as JWK;
}
