import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signClientAssertion } from '../../src/fhir/auth/client-assertion.ts';
import { readSigningKey } from '../../src/keys/index.ts';
import { careprompt } from '../support/cli.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const TOKEN_URL = 'https://ehr.example/oauth2/token';

describe('careprompt keys', () => {
  it.each(['ES384', 'RS384'])('generates an %s key pair whose printed JWKS verifies what the private key signs', async (alg) => {
    const out = join(await mkdtemp(join(tmpdir(), 'careprompt-keys-')), 'keys');

    const generated = await careprompt(['keys', 'generate', '--out', out, '--alg', alg]);

    expect(generated.code).toBe(0);
    const privatePath = join(out, 'private-key.json');
    const jwksPath = join(out, 'jwks.json');
    expect((await stat(privatePath)).mode & 0o777).toBe(0o600);
    expect((await stat(jwksPath)).mode & 0o777).toBe(0o644);
    const key = readSigningKey(privatePath);
    expect(key.algorithm).toBe(alg);
    expect(generated.stdout).toContain(`kid ${key.keyId}`);
    expect(generated.stdout).toContain(privatePath);
    expect(generated.stdout).toContain(jwksPath);
    expect(generated.stdout).toContain('FHIR_AUTH=smart-backend');

    // The public file by mistake: said to be the very JWKS to register.
    expect(await careprompt(['keys', 'jwks', jwksPath])).toMatchObject({
      code: 2,
      stderr: `careprompt: ${jwksPath} is a JWKS without a private key — this file is already the public JWKS to register\n`,
    });

    const printed = await careprompt(['keys', 'jwks', privatePath]);
    expect(printed.code).toBe(0);
    const jwks = JSON.parse(printed.stdout) as { keys: Array<Record<string, unknown>> };
    expect(jwks).toEqual(JSON.parse(await readFile(jwksPath, 'utf8')));
    expect(jwks.keys).toEqual([expect.objectContaining({ kid: key.keyId, alg, use: 'sig' })]);
    for (const member of PRIVATE_MEMBERS) expect(jwks.keys[0]).not.toHaveProperty(member);

    const assertion = await signClientAssertion({
      signingKey: { ...key, keyId: key.keyId ?? '' },
      clientId: 'careprompt',
      tokenUrl: TOKEN_URL,
      nowMs: Date.now(),
    });
    const verified = await jwtVerify(assertion, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), {
      audience: TOKEN_URL,
      issuer: 'careprompt',
    });
    expect(verified.protectedHeader).toMatchObject({ alg, kid: key.keyId });
  });

  it('never overwrites a key, and refuses an unknown algorithm', async () => {
    const out = await mkdtemp(join(tmpdir(), 'careprompt-keys-'));
    await writeFile(join(out, 'private-key.json'), 'the key already registered', { mode: 0o600 });

    const again = await careprompt(['keys', 'generate', '--out', out]);
    const badAlg = await careprompt(['keys', 'generate', '--out', join(out, 'other'), '--alg', 'HS256']);

    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${join(out, 'private-key.json')} exists; keys are never overwritten`);
    expect(await readFile(join(out, 'private-key.json'), 'utf8')).toBe('the key already registered');
    expect(badAlg.code).toBe(2);
    expect(badAlg.stderr).toContain('--alg must be one of ES384, RS384');
  });

  it('prints the JWKS of a PEM key with its thumbprint as kid, and names a file it cannot use', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'careprompt-keys-'));
    const pem = join(dir, 'key.pem');
    const key = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    await writeFile(pem, key.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });

    const printed = await careprompt(['keys', 'jwks', pem]);
    const missing = await careprompt(['keys', 'jwks', join(dir, 'missing.pem')]);

    expect(printed.code).toBe(0);
    const [jwk] = (JSON.parse(printed.stdout) as { keys: Array<{ kid: string }> }).keys;
    expect(jwk?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(printed.stderr).toContain(`set FHIR_KEY_ID=${jwk?.kid}`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(dir, 'missing.pem')} does not exist`);
  });
});
