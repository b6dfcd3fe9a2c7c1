/**
 * The strict FHIR server's authentication over real HTTP: bearer tokens on every FHIR request, discovery, and a
 * token endpoint that checks client secrets and SMART Backend Services client assertions signed with jose.
 */
import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FhirTestServer, startFhirServer } from '../../tools/fhir-server/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field by the assertions
type Json = Record<string, any>;

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SCOPE = 'system/Patient.rs system/Communication.c';
const TOKEN_LIFETIME_SECONDS = 600;
const START = Date.parse('2026-03-01T09:00:00Z');

interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

let now = START;
let server: FhirTestServer;
let es384: SigningKey;
let rs384: SigningKey;
/** Registered, but RS256 is not an algorithm SMART Backend Services allows. */
let rs256: SigningKey;
/** Never registered: a signature made with it must not verify. */
let stranger: SigningKey;

async function signingKey(alg: 'ES384' | 'RS384' | 'RS256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

beforeAll(async () => {
  es384 = await signingKey('ES384', 'es-1');
  rs384 = await signingKey('RS384', 'rs-1');
  rs256 = await signingKey('RS256', 'rs-256');
  stranger = await signingKey('ES384', 'es-1');
  server = await startFhirServer({
    clock: () => now,
    strict: {
      auth: {
        tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS,
        clients: [
          { clientId: 'basic-client', secret: 's3cret: with spaces & symbols' },
          { clientId: 'backend-es', jwks: { keys: [es384.publicJwk] } },
          { clientId: 'backend-rs', jwks: { keys: [rs384.publicJwk, rs256.publicJwk] } },
        ],
      },
    },
  });
});
afterAll(async () => {
  await server.close();
});

const tokenUrl = () => `${server.baseUrl}/oauth2/token`;

function basic(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replaceAll('%20', '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

async function requestToken(form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(tokenUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

interface AssertionChoices {
  key?: SigningKey;
  alg?: string;
  claims?: JWTPayload;
  /** Claims to leave out of the JWT. */
  omit?: string[];
}

/** A client assertion for `backend-es` that the server accepts, unless the choices spoil it. */
async function assertion(choices: AssertionChoices = {}): Promise<string> {
  const key = choices.key ?? es384;
  const claims: JWTPayload = {
    iss: 'backend-es',
    sub: 'backend-es',
    aud: tokenUrl(),
    exp: Math.floor(now / 1000) + 240,
    jti: randomUUID(),
    ...choices.claims,
  };
  for (const claim of choices.omit ?? []) {
    delete claims[claim];
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: choices.alg ?? key.publicJwk.alg ?? 'ES384', kid: key.publicJwk.kid })
    .sign(key.privateKey);
}

const assertionForm = (clientAssertion: string) => ({
  grant_type: 'client_credentials',
  scope: SCOPE,
  client_assertion_type: JWT_BEARER,
  client_assertion: clientAssertion,
});

async function fhirGet(path: string, token?: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: (await response.json()) as Json };
}

async function tokenFor(): Promise<string> {
  const { status, body } = await requestToken(
    { grant_type: 'client_credentials', scope: SCOPE },
    { authorization: basic('basic-client', 's3cret: with spaces & symbols') },
  );
  expect(status).toBe(200);
  return body.access_token;
}

describe('strict FHIR server: bearer tokens', () => {
  it('refuses FHIR requests without a token, or with one it never issued, with 401 login "Unauthorized"', async () => {
    const refusals = [
      await fhirGet('/Patient'),
      await fhirGet('/Patient/123'),
      await fhirGet('/Patient', 'not-a-token-we-issued'),
      await (async () => {
        const response = await fetch(`${server.baseUrl}/Patient`, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json' },
          body: JSON.stringify({ resourceType: 'Patient' }),
        });
        return { status: response.status, body: (await response.json()) as Json };
      })(),
    ];
    for (const { status, body } of refusals) {
      expect(status).toBe(401);
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue[0]).toMatchObject({ severity: 'error', code: 'login', details: { text: 'Unauthorized' } });
    }
  });

  it('leaves GET /metadata and the SMART discovery document open', async () => {
    const metadata = await fhirGet('/metadata');
    const discovery = await fhirGet('/.well-known/smart-configuration');

    expect(metadata.status).toBe(200);
    expect(metadata.body.resourceType).toBe('CapabilityStatement');
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({
      token_endpoint: tokenUrl(),
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    });
    expect(discovery.body.scopes_supported).toContain('system/Patient.rs');
  });

  it('serves many requests on one token, and refuses it once it has expired', async () => {
    const issuedBefore = server.stats().tokensIssued;
    const token = await tokenFor();
    for (let i = 0; i < 5; i += 1) {
      expect((await fhirGet('/Patient', token)).status).toBe(200);
    }
    expect(server.stats().tokensIssued).toBe(issuedBefore + 1);

    now += TOKEN_LIFETIME_SECONDS * 1000 - 1;
    expect((await fhirGet('/Patient', token)).status).toBe(200);
    now += 1;
    const expired = await fhirGet('/Patient', token);
    expect(expired.status).toBe(401);
    expect(expired.body.issue[0].code).toBe('login');
  });
});

describe('strict FHIR server: token endpoint, client_secret_basic', () => {
  it('issues a Bearer token for the right secret, with the lifetime and the scope asked for', async () => {
    const { status, body } = await requestToken(
      { grant_type: 'client_credentials', scope: SCOPE },
      { authorization: basic('basic-client', 's3cret: with spaces & symbols') },
    );

    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, scope: SCOPE });
    expect((await fhirGet('/Patient', body.access_token)).status).toBe(200);
  });

  it('refuses a wrong secret and an unknown client with 401 invalid_client', async () => {
    for (const authorization of [basic('basic-client', 'guess'), basic('nobody', 's3cret: with spaces & symbols'), 'Basic !!!']) {
      const { status, body } = await requestToken({ grant_type: 'client_credentials', scope: SCOPE }, { authorization });
      expect(status).toBe(401);
      expect(body.error).toBe('invalid_client');
    }
  });
});

describe('strict FHIR server: token endpoint, private_key_jwt', () => {
  it('accepts an ES384 and an RS384 client assertion', async () => {
    const es = await requestToken(assertionForm(await assertion()));
    const rs = await requestToken(
      assertionForm(await assertion({ key: rs384, alg: 'RS384', claims: { iss: 'backend-rs', sub: 'backend-rs' } })),
    );

    for (const { status, body } of [es, rs]) {
      expect(status).toBe(200);
      expect(body.token_type).toBe('Bearer');
      expect((await fhirGet('/Patient', body.access_token)).status).toBe(200);
    }
  });

  // Each case names why it was refused, so a case cannot pass by failing some other check.
  it.each<[string, RegExp, () => Promise<string>]>([
    ['an unknown client', /unknown client/, () => assertion({ claims: { iss: 'nobody', sub: 'nobody' } })],
    ['a signature by a key the client never registered', /signature/, () => assertion({ key: stranger })],
    ['an aud other than the token endpoint', /"aud"/, () => assertion({ claims: { aud: `${server.baseUrl}/token` } })],
    ['no exp', /"exp"/, () => assertion({ omit: ['exp'] })],
    ['an exp in the past', /"exp"/, () => assertion({ claims: { exp: Math.floor(now / 1000) - 1 } })],
    [
      'an exp more than 5 minutes ahead',
      /"exp" is more than 300 seconds ahead/,
      () => assertion({ claims: { exp: Math.floor(now / 1000) + 301 } }),
    ],
    ['a sub other than iss', /"sub"/, () => assertion({ claims: { sub: 'backend-rs' } })],
    ['no jti', /"jti"/, () => assertion({ omit: ['jti'] })],
    ['alg RS256', /"alg"/, () => assertion({ key: rs256, alg: 'RS256', claims: { iss: 'backend-rs', sub: 'backend-rs' } })],
    ['a JWT that is not one', /not a JWT/, async () => 'not.a.jwt'],
  ])('refuses an assertion with %s: 401 invalid_client', async (_case, reason, makeAssertion) => {
    const refusedBefore = server.stats().tokenRequestsRefused;

    const { status, body } = await requestToken(assertionForm(await makeAssertion()));

    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).toMatch(reason);
    expect(server.stats().tokenRequestsRefused).toBe(refusedBefore + 1);
  });

  it('refuses an iss that is not the client_id the request names', async () => {
    const form = { ...assertionForm(await assertion({ claims: { iss: 'backend-rs', sub: 'backend-rs' } })), client_id: 'backend-es' };

    const { status, body } = await requestToken(form);

    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).toMatch(/"iss"/);
  });

  it('accepts an exp exactly 5 minutes ahead', async () => {
    const { status } = await requestToken(assertionForm(await assertion({ claims: { exp: Math.floor(now / 1000) + 300 } })));

    expect(status).toBe(200);
  });

  it('refuses a replayed jti, even while the assertion is still valid', async () => {
    const once = await assertion();

    const first = await requestToken(assertionForm(once));
    const replay = await requestToken(assertionForm(once));

    expect(first.status).toBe(200);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({ error: 'invalid_client', error_description: expect.stringMatching(/"jti" was already used/) });
  });
});

describe('strict FHIR server: malformed token requests', () => {
  it.each<[string, string, () => Promise<{ status: number; body: Json }>]>([
    ['no grant_type', 'invalid_request', async () => requestToken({ scope: SCOPE }, { authorization: basic('basic-client', 'x') })],
    [
      'grant_type=authorization_code',
      'unsupported_grant_type',
      async () => requestToken({ grant_type: 'authorization_code', scope: SCOPE }, { authorization: basic('basic-client', 'x') }),
    ],
    [
      'a wrong client_assertion_type',
      'invalid_request',
      async () => requestToken({ ...assertionForm(await assertion()), client_assertion_type: 'urn:example:saml' }),
    ],
    [
      'Basic credentials and a client_assertion at once',
      'invalid_request',
      async () => requestToken(assertionForm(await assertion()), { authorization: basic('basic-client', 's3cret: with spaces & symbols') }),
    ],
    [
      'a JSON body',
      'invalid_request',
      async () => {
        const response = await fetch(tokenUrl(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: basic('basic-client', 's3cret: with spaces & symbols') },
          body: JSON.stringify({ grant_type: 'client_credentials', scope: SCOPE }),
        });
        return { status: response.status, body: (await response.json()) as Json };
      },
    ],
  ])('answers %s with 400 %s', async (_case, error, send) => {
    const { status, body } = await send();

    expect(status).toBe(400);
    expect(body.error).toBe(error);
  });

  it('answers a request with no client authentication with 401 invalid_client', async () => {
    const { status, body } = await requestToken({ grant_type: 'client_credentials', scope: SCOPE });

    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });
});
