import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import type { FhirAuth } from '../../src/config/index.ts';
import { createAccessTokens, createFhirGateway } from '../../src/fhir/index.ts';
import type { SigningAlgorithm, SigningKey } from '../../src/keys/index.ts';
import { FHIR_BASE, useMswServer } from '../support/msw.ts';

const TOKEN_URL = 'http://auth.test/oauth2/token';
const server = useMswServer();

const keyPairs: Record<SigningAlgorithm, () => { privateKey: KeyObject; publicKey: KeyObject }> = {
  ES384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  RS384: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

describe.each(['ES384', 'RS384'] as const)('the SMART Backend Services client assertion (%s)', (algorithm) => {
  it('is a JWT signed with the key, for this client and this token endpoint, short-lived and never replayed', async () => {
    const { privateKey, publicKey } = keyPairs[algorithm]();
    const signingKey: SigningKey & { keyId: string } = { privateKey, algorithm, keyId: 'key-1' };
    const auth: FhirAuth = {
      mode: 'smart-backend',
      clientId: 'careprompt-app',
      signingKey,
      scopes: 'system/Patient.rs',
      tokenUrl: TOKEN_URL,
    };
    const clock = { now: Date.parse('2026-12-01T08:00:00Z') };
    // Each token request's form, with the time it was made.
    const forms: Array<{ form: URLSearchParams; at: number }> = [];
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        forms.push({ form: new URLSearchParams(await request.text()), at: clock.now });
        return HttpResponse.json({ access_token: `token-${forms.length}`, token_type: 'Bearer', expires_in: 300 });
      }),
      http.get(`${FHIR_BASE}/Patient/p1`, () => HttpResponse.json({ resourceType: 'Patient', id: 'p1' })),
    );
    const accessTokens = createAccessTokens(auth, { baseUrl: FHIR_BASE, timeoutMs: 2000, now: () => clock.now });
    const gateway = createFhirGateway({ baseUrl: FHIR_BASE, accessTokens });

    await gateway.read('Patient', 'p1');
    clock.now += 300_000; // expired: a second token request, with a new assertion
    await gateway.read('Patient', 'p1');

    expect(forms).toHaveLength(2);
    const jtis: unknown[] = [];
    for (const { form, at } of forms) {
      expect([...form.keys()].sort()).toEqual(['client_assertion', 'client_assertion_type', 'grant_type', 'scope']);
      expect(form.get('grant_type')).toBe('client_credentials');
      expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(form.get('scope')).toBe('system/Patient.rs');
      const assertion = form.get('client_assertion') ?? '';
      expect(decodeProtectedHeader(assertion)).toEqual({ alg: algorithm, kid: 'key-1', typ: 'JWT' });
      const { payload } = await jwtVerify(assertion, publicKey, {
        algorithms: [algorithm],
        issuer: 'careprompt-app',
        subject: 'careprompt-app',
        audience: TOKEN_URL,
        currentDate: new Date(at),
      });
      expect(payload.iat).toBeTypeOf('number');
      expect(payload.exp).toBeGreaterThan(payload.iat ?? Number.POSITIVE_INFINITY);
      expect(payload.iat).toBe(Math.floor(at / 1000));
      expect((payload.exp ?? Number.POSITIVE_INFINITY) - Math.floor(at / 1000)).toBeLessThanOrEqual(300);
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      jtis.push(payload.jti);
    }
    expect(new Set(jtis).size).toBe(2);
  });
});
