/**
 * The client's signing keys for SMART Backend Services: reading one (PEM, JWK or JWKS), its public JWKS for
 * the EHR, and generating a new pair.
 */
export { type GeneratedKey, generateSigningKey } from './generate.ts';
export { type PublicJwks, publicJwks, thumbprintOf } from './jwks.ts';
export {
  parseSigningKey,
  readSigningKey,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningKey,
  SigningKeyError,
} from './signing-key.ts';
