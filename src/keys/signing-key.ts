/**
 * The private key careprompt signs its SMART Backend Services client assertions with, read from a PEM
 * (PKCS #8, PKCS #1 or SEC 1) or a JWK / JWKS JSON file, and checked to be one the EHRs accept: an RSA key of
 * 2048 bits or more (RS384) or an EC key on P-384 (ES384). Errors say what is wrong with the file, never what
 * is in it.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const SIGNING_ALGORITHMS = ['ES384', 'RS384'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface SigningKey {
  privateKey: KeyObject;
  algorithm: SigningAlgorithm;
  /** The JWK's `kid`, when the file is a JWK that has one; a PEM has none. */
  keyId: string | undefined;
}

export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

const MIN_RSA_BITS = 2048;

const Jwk = z.looseObject({ kty: z.string(), kid: z.string().min(1).optional(), alg: z.string().optional(), d: z.string().optional() });
type Jwk = z.infer<typeof Jwk>;
const Jwks = z.looseObject({ keys: z.array(Jwk) });

/** Reads the key file; a SigningKeyError names the file and what is wrong with it. */
export function readSigningKey(path: string, options: { keyId?: string | undefined } = {}): SigningKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SigningKeyError(`${path} ${unreadable(error)}`);
  }
  try {
    return parseSigningKey(text, options);
  } catch (error) {
    throw error instanceof SigningKeyError ? new SigningKeyError(`${path} ${error.message}`) : error;
  }
}

/** `keyId` picks a key out of a JWKS holding several private keys. */
export function parseSigningKey(text: string, options: { keyId?: string | undefined } = {}): SigningKey {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return fromJwk(jwkIn(parseJson(trimmed), options.keyId));
  if (trimmed.startsWith('-----BEGIN')) {
    const privateKey = fromPem(trimmed);
    return { privateKey, algorithm: algorithmOf(privateKey), keyId: undefined };
  }
  throw new SigningKeyError('is neither a PEM private key nor JWK / JWKS JSON');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SigningKeyError('is not valid JSON');
  }
}

/** The JWK itself, or the private key of a JWKS (the one of kid `keyId` when given). */
function jwkIn(value: unknown, keyId: string | undefined): Jwk {
  const jwk = Jwk.safeParse(value);
  if (jwk.success) return jwk.data;
  const jwks = Jwks.safeParse(value);
  if (!jwks.success) throw new SigningKeyError('is JSON but neither a JWK (with "kty") nor a JWKS (with "keys")');
  const candidates = jwks.data.keys.filter((key) => key.d !== undefined && (keyId === undefined || key.kid === keyId));
  if (candidates.length === 1 && candidates[0]) return candidates[0];
  if (candidates.length === 0) {
    throw new SigningKeyError(
      // Without a kid asked for, no key in it is private: the file given is the public half.
      keyId === undefined
        ? 'is a JWKS without a private key — this file is already the public JWKS to register'
        : `is a JWKS without a private key of kid "${keyId}"`,
    );
  }
  throw new SigningKeyError('is a JWKS with several private keys: name the one to use by its kid');
}

function fromJwk(jwk: Jwk): SigningKey {
  if (jwk.d === undefined) throw new SigningKeyError('holds a public key only; careprompt needs the private key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: jwk as Record<string, string>, format: 'jwk' });
  } catch {
    throw new SigningKeyError('holds a JWK that is not a valid private key');
  }
  const algorithm = algorithmOf(privateKey);
  if (jwk.alg !== undefined && jwk.alg !== algorithm) {
    throw new SigningKeyError(`holds a JWK whose "alg" is ${jwk.alg}, but its key signs ${algorithm}`);
  }
  return { privateKey, algorithm, keyId: jwk.kid };
}

function fromPem(pem: string): KeyObject {
  // PKCS #8 and legacy OpenSSL encryption; asked for no passphrase, OpenSSL only says "interrupted".
  if (pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || pem.includes('Proc-Type: 4,ENCRYPTED')) {
    throw new SigningKeyError('is an encrypted PEM; careprompt needs it unencrypted (keep the file mode 0600)');
  }
  try {
    return createPrivateKey(pem);
  } catch {
    throw new SigningKeyError('holds no PEM private key (a public key or certificate is not enough)');
  }
}

function algorithmOf(key: KeyObject): SigningAlgorithm {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'secp384r1') return 'ES384';
  if (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS) return 'RS384';
  if (key.asymmetricKeyType === 'rsa') throw new SigningKeyError(`holds an RSA key shorter than ${MIN_RSA_BITS} bits`);
  const kind =
    key.asymmetricKeyType === 'ec' ? `an EC key on ${details?.namedCurve ?? 'an unknown curve'}` : `a ${key.asymmetricKeyType} key`;
  throw new SigningKeyError(`holds ${kind}; use an EC P-384 key (ES384) or an RSA key (RS384)`);
}

function unreadable(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : 'unknown';
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read by this user';
  if (code === 'EISDIR') return 'is a folder, not a key file';
  return `cannot be read (${code})`;
}
