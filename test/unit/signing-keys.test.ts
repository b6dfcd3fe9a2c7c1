import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSigningKey, publicJwks, SigningKeyError } from '../../src/keys/index.ts';

const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const pkcs8 = (key: KeyObject) => key.export({ format: 'pem', type: 'pkcs8' }).toString();
const jwk = (key: KeyObject, extra: Record<string, string> = {}) => ({ ...key.export({ format: 'jwk' }), ...extra });

function problemOf(text: string, keyId?: string): string {
  try {
    parseSigningKey(text, { keyId });
  } catch (error) {
    if (error instanceof SigningKeyError) return error.message;
    throw error;
  }
  throw new Error('expected a SigningKeyError');
}

describe('reading a signing key', () => {
  it('reads PEM keys (PKCS #8, SEC 1, PKCS #1) and picks the algorithm from the key', () => {
    expect(parseSigningKey(pkcs8(ec384))).toMatchObject({ algorithm: 'ES384', keyId: undefined });
    expect(parseSigningKey(ec384.export({ format: 'pem', type: 'sec1' }).toString())).toMatchObject({ algorithm: 'ES384' });
    expect(parseSigningKey(rsa2048.export({ format: 'pem', type: 'pkcs1' }).toString())).toMatchObject({ algorithm: 'RS384' });
  });

  it('reads a private JWK with its kid, and the private key of a JWKS', () => {
    expect(parseSigningKey(JSON.stringify(jwk(ec384, { kid: 'k1', alg: 'ES384' })))).toMatchObject({ algorithm: 'ES384', keyId: 'k1' });
    const jwks = { keys: [jwk(rsa2048, { kid: 'rsa' })] };
    expect(parseSigningKey(JSON.stringify(jwks))).toMatchObject({ algorithm: 'RS384', keyId: 'rsa' });
  });

  it('picks a key of a JWKS holding several by its kid, and asks for one when none is given', () => {
    const jwks = JSON.stringify({ keys: [jwk(ec384, { kid: 'a' }), jwk(rsa2048, { kid: 'b' })] });
    expect(parseSigningKey(jwks, { keyId: 'b' })).toMatchObject({ algorithm: 'RS384', keyId: 'b' });
    expect(problemOf(jwks)).toContain('several private keys');
    expect(problemOf(jwks, 'c')).toContain('without a private key of kid "c"');
  });

  it('refuses what cannot sign RS384 or ES384, saying why and never showing the key', () => {
    const publicPem = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const encrypted = ec384.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    const publicJwk = jwk(ec384);
    delete (publicJwk as Record<string, unknown>).d;

    expect(problemOf(publicPem)).toContain('holds no PEM private key');
    expect(problemOf(JSON.stringify(publicJwk))).toContain('public key only');
    expect(problemOf(pkcs8(p256))).toContain('EC key on prime256v1');
    expect(problemOf(pkcs8(rsa1024))).toContain('shorter than 2048 bits');
    expect(problemOf(encrypted)).toContain('encrypted PEM');
    expect(problemOf(JSON.stringify(jwk(ec384, { alg: 'RS384' })))).toContain('"alg" is RS384');
    expect(problemOf('{ not json')).toContain('not valid JSON');
    expect(problemOf('{"keys": "x"}')).toContain('neither a JWK');
    expect(problemOf('hello')).toContain('neither a PEM private key nor JWK');
    const secret = String(jwk(ec384).d);
    expect(problemOf(JSON.stringify(jwk(ec384, { alg: 'RS384' })))).not.toContain(secret);
  });
});

describe('the public JWKS', () => {
  it.each([
    ['ES384', ec384],
    ['RS384', rsa2048],
  ] as const)('holds the %s public key with kid, alg and use, and no private member', (algorithm, privateKey) => {
    const jwks = publicJwks({ privateKey, algorithm, keyId: 'k1' });

    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kid: 'k1', alg: algorithm, use: 'sig' });
    for (const member of PRIVATE_MEMBERS) expect(jwks.keys[0]).not.toHaveProperty(member);
  });
});
