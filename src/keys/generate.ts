/** A new signing key pair for SMART Backend Services, identified by its thumbprint. */
import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import { thumbprintOf } from './jwks.ts';
import type { SigningAlgorithm, SigningKey } from './signing-key.ts';

// 3072 bits: NIST's size for use beyond 2030; EHRs ask for at least 2048.
const RSA_BITS = 3072;

export interface GeneratedKey extends SigningKey {
  keyId: string;
  /** The private key as a JWK carrying its kid and alg, so the file alone configures careprompt. */
  privateJwk: JWK;
}

export async function generateSigningKey(algorithm: SigningAlgorithm): Promise<GeneratedKey> {
  const { privateKey } =
    algorithm === 'ES384' ? generateKeyPairSync('ec', { namedCurve: 'P-384' }) : generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
  const keyId = await thumbprintOf({ privateKey });
  const privateJwk: JWK = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: keyId, alg: algorithm, use: 'sig' };
  return { privateKey, algorithm, keyId, privateJwk };
}
