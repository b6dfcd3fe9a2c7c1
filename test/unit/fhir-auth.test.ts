import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { type FhirAuth, Secret } from '../../src/config/index.ts';
import {
  createAccessTokens,
  createFhirGateway,
  FhirAuthError,
  FhirTransientError,
  type RequestBudget,
  type SearchPage,
} from '../../src/fhir/index.ts';
import { FHIR_BASE, useMswServer } from '../support/msw.ts';

const BASE = FHIR_BASE;
const TOKEN_URL = 'http://auth.test/oauth2/token';
const SECRET = 'p@ss word/+&';
const server = useMswServer();

const clientCredentials = (overrides: Partial<Extract<FhirAuth, { mode: 'client-credentials' }>> = {}): FhirAuth => ({
  mode: 'client-credentials',
  clientId: 'careprompt',
  clientSecret: new Secret(SECRET),
  scopes: 'system/Patient.rs system/Communication.c',
  tokenUrl: TOKEN_URL,
  ...overrides,
});

/** A gateway authenticating with `auth`, on a clock the test moves, whose waits are recorded, not slept. */
function makeGateway(auth: FhirAuth, options: { baseUrl?: string; maxAttempts?: number } = {}) {
  const clock = { now: Date.parse('2026-12-01T08:00:00Z') };
  const sleeps: number[] = [];
  const slotsTaken = { count: 0 };
  // A budget that counts the slots taken and lets every request go at once.
  const budget: RequestBudget = {
    async take() {
      slotsTaken.count += 1;
    },
  };
  const baseUrl = options.baseUrl ?? BASE;
  const accessTokens = createAccessTokens(auth, { baseUrl, timeoutMs: 2000, now: () => clock.now });
  const gateway = createFhirGateway({
    baseUrl,
    accessTokens,
    budget,
    now: () => clock.now,
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
  return { gateway, clock, sleeps, slotsTaken };
}

interface TokenRequest {
  authorization: string | null;
  form: URLSearchParams;
}

/**
 * A token endpoint issuing token-1, token-2, … valid `expiresIn` seconds (null: not said), or what `answer`
 * returns instead, recording every request.
 */
function tokenEndpoint(answer: (n: number) => Response | undefined = () => undefined, expiresIn: number | null = 3600) {
  const requests: TokenRequest[] = [];
  server.use(
    http.post(TOKEN_URL, async ({ request }) => {
      requests.push({ authorization: request.headers.get('authorization'), form: new URLSearchParams(await request.text()) });
      const n = requests.length;
      const lifetime = expiresIn === null ? {} : { expires_in: expiresIn };
      return answer(n) ?? HttpResponse.json({ access_token: `token-${n}`, token_type: 'Bearer', scope: 'system/Patient.rs', ...lifetime });
    }),
  );
  return requests;
}

/** FHIR endpoints that answer only the tokens `accepted` allows, recording the Authorization of each request. */
function fhirServer(accepted: (authorization: string | null) => boolean = (value) => value?.startsWith('Bearer ') ?? false) {
  const seen: Array<{ what: string; authorization: string | null }> = [];
  const guard = (what: string, request: Request, answer: () => Response) => {
    const authorization = request.headers.get('authorization');
    seen.push({ what, authorization });
    if (!accepted(authorization)) {
      return HttpResponse.json(
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'Unauthorized' }] },
        { status: 401 },
      );
    }
    return answer();
  };
  const bundle = (next?: string) => ({
    resourceType: 'Bundle',
    type: 'searchset',
    link: next ? [{ relation: 'next', url: next }] : [],
    entry: [{ resource: { resourceType: 'Condition', id: next ? 'c1' : 'c2' }, search: { mode: 'match' } }],
  });
  server.use(
    http.get(`${BASE}/Condition`, ({ request }) =>
      guard(new URL(request.url).searchParams.has('page') ? 'next page' : 'search', request, () =>
        HttpResponse.json(bundle(new URL(request.url).searchParams.has('page') ? undefined : `${BASE}/Condition?page=2`)),
      ),
    ),
    http.get(`${BASE}/Patient/:id`, ({ request, params }) =>
      guard('read', request, () => HttpResponse.json({ resourceType: 'Patient', id: params.id })),
    ),
    http.post(`${BASE}/Communication`, ({ request }) =>
      guard('create', request, () => HttpResponse.json({ resourceType: 'Communication', id: 'comm-1' }, { status: 201 })),
    ),
  );
  return seen;
}

const communication = { resourceType: 'Communication', identifier: [{ system: 'urn:x', value: 'k1' }] };

async function allPages(pages: AsyncIterable<SearchPage>): Promise<SearchPage[]> {
  const collected: SearchPage[] = [];
  for await (const page of pages) collected.push(page);
  return collected;
}

describe('access tokens on every request', () => {
  it('sends the bearer token with searches, next pages, reads and the conditional create', async () => {
    const tokens = tokenEndpoint();
    const seen = fhirServer();
    const { gateway } = makeGateway(clientCredentials());

    await allPages(gateway.searchPages('Condition', {}));
    await gateway.read('Patient', 'p1');
    await gateway.createIfNoneExist(communication, { system: 'urn:x', value: 'k1' });

    expect(seen).toEqual(['search', 'next page', 'read', 'create'].map((what) => ({ what, authorization: 'Bearer token-1' })));
    expect(tokens).toHaveLength(1);
  });

  it('sends a static FHIR_TOKEN as it is, and never asks a token endpoint', async () => {
    const tokens = tokenEndpoint();
    const seen = fhirServer();
    const { gateway } = makeGateway({ mode: 'bearer', token: new Secret('dev-token') });

    await gateway.read('Patient', 'p1');

    expect(seen).toEqual([{ what: 'read', authorization: 'Bearer dev-token' }]);
    expect(tokens).toHaveLength(0);
  });

  it('sends no Authorization header when FHIR_AUTH is none', async () => {
    const seen = fhirServer(() => true);
    const { gateway } = makeGateway({ mode: 'none' });

    await gateway.read('Patient', 'p1');

    expect(seen).toEqual([{ what: 'read', authorization: null }]);
  });
});

describe('the token cache', () => {
  it('makes exactly one token request for many concurrent FHIR requests', async () => {
    const tokens = tokenEndpoint();
    const seen = fhirServer();
    const { gateway } = makeGateway(clientCredentials());

    await Promise.all(Array.from({ length: 20 }, (_, i) => gateway.read('Patient', `p${i}`)));

    expect(tokens).toHaveLength(1);
    expect(new Set(seen.map((request) => request.authorization))).toEqual(new Set(['Bearer token-1']));
  });

  it('keeps the token until shortly before it expires, then renews it once in the background', async () => {
    const tokens = tokenEndpoint(() => undefined, 3600);
    const seen = fhirServer();
    const { gateway, clock } = makeGateway(clientCredentials());

    await gateway.read('Patient', 'p1');
    clock.now += 3539_000; // 61 s before expiry: still good
    await gateway.read('Patient', 'p1');
    expect(tokens).toHaveLength(1);
    clock.now += 2_000; // 59 s before expiry: renewed, while the requests go on with the valid token
    await Promise.all([gateway.read('Patient', 'p1'), gateway.read('Patient', 'p2')]);
    clock.now += 60_000; // token-1 expired: token-2, from that one renewal
    await gateway.read('Patient', 'p3');

    expect(tokens).toHaveLength(2);
    expect(seen.map((request) => request.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ]);
  });

  it('goes on with the valid token when the token endpoint fails during the renewal margin', async () => {
    tokenEndpoint((n) => (n === 1 ? undefined : new HttpResponse(null, { status: 503 })), 3600);
    const seen = fhirServer();
    const { gateway, clock, sleeps } = makeGateway(clientCredentials());
    await gateway.read('Patient', 'p1');
    clock.now += 3570_000; // 30 s before expiry

    const reads = await Promise.all(Array.from({ length: 5 }, (_, i) => gateway.read('Patient', `p${i}`)));

    expect(reads.map((read) => read?.id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(new Set(seen.map((request) => request.authorization))).toEqual(new Set(['Bearer token-1']));
    expect(sleeps).toEqual([]);
  });

  it('assumes a short lifetime when the server does not say, renewing a tenth of it early', async () => {
    const tokens = tokenEndpoint(() => undefined, null);
    fhirServer();
    const { gateway, clock } = makeGateway(clientCredentials());

    await gateway.read('Patient', 'p1');
    clock.now += 269_000; // five minutes assumed, renewed 30 s before
    await gateway.read('Patient', 'p1');
    expect(tokens).toHaveLength(1);
    clock.now += 2_000;
    await gateway.read('Patient', 'p1');
    expect(tokens).toHaveLength(2);
  });

  it('renews once after a 401 and retries the request with the new token', async () => {
    const tokens = tokenEndpoint();
    // The server has revoked token-1.
    const seen = fhirServer((authorization) => authorization === 'Bearer token-2');
    const { gateway, sleeps } = makeGateway(clientCredentials());

    await expect(gateway.read('Patient', 'p1')).resolves.toMatchObject({ id: 'p1' });

    expect(tokens).toHaveLength(2);
    expect(seen.map((request) => request.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(sleeps).toEqual([]);
  });

  it('sends the retry with the renewed token as a request of its own: a budget slot and a count, not a transient attempt', async () => {
    const tokens = tokenEndpoint();
    const seen = fhirServer((authorization) => authorization === 'Bearer token-2');
    const { gateway, slotsTaken } = makeGateway(clientCredentials(), { maxAttempts: 1 });

    await expect(gateway.read('Patient', 'p1')).resolves.toMatchObject({ id: 'p1' });

    expect(tokens).toHaveLength(2);
    expect(seen).toHaveLength(2);
    expect(slotsTaken.count).toBe(2);
    expect(gateway.counts()).toEqual({ searchPages: 0, reads: 2, creates: 0 });
  });

  it('renews once per request: a 401 after a transient failure that followed the renewal is FhirAuthError', async () => {
    const tokens = tokenEndpoint();
    let fhirRequests = 0;
    // token-1 refused, then a 503 for token-2, then token-2 refused as well.
    server.use(
      http.get(`${BASE}/Patient/:id`, () => {
        fhirRequests += 1;
        return fhirRequests === 2 ? new HttpResponse(null, { status: 503 }) : new HttpResponse(null, { status: 401 });
      }),
    );
    const { gateway, slotsTaken } = makeGateway(clientCredentials());

    await expect(gateway.read('Patient', 'p1')).rejects.toMatchObject({ name: 'FhirAuthError', code: 'http-401' });

    expect(tokens).toHaveLength(2);
    expect(fhirRequests).toBe(3);
    expect(slotsTaken.count).toBe(3);
  });

  it('renews once for many requests refused together', async () => {
    const tokens = tokenEndpoint();
    let valid = 'Bearer token-1';
    const seen = fhirServer((authorization) => authorization === valid);
    const { gateway, slotsTaken } = makeGateway(clientCredentials());
    await gateway.read('Patient', 'warm-up');
    valid = 'Bearer token-2'; // token-1 revoked while cached

    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => gateway.read('Patient', `p${i}`)));

    expect(results.map((result) => result?.id)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
    expect(tokens).toHaveLength(2);
    const refused = seen.slice(1).filter((request) => request.authorization === 'Bearer token-1');
    const retried = seen.slice(1).filter((request) => request.authorization === 'Bearer token-2');
    expect([refused.length, retried.length]).toEqual([10, 10]);
    // Every request sent, the retries included, took a slot of the budget.
    expect(slotsTaken.count).toBe(21);
    expect(gateway.counts().reads).toBe(21);
  });

  it('gives up with FhirAuthError when the renewed token is refused too, without retrying', async () => {
    const tokens = tokenEndpoint();
    const seen = fhirServer(() => false);
    const { gateway, sleeps } = makeGateway(clientCredentials());

    const error = await gateway.read('Patient', 'p1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirAuthError);
    expect(error).toMatchObject({ code: 'http-401' });
    expect((error as Error).message).toContain('FHIR_SCOPES');
    expect(tokens).toHaveLength(2);
    expect(seen).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it('stops at the first 401 when there is no token to renew (FHIR_AUTH none or bearer)', async () => {
    const seen = fhirServer(() => false);

    const none = await makeGateway({ mode: 'none' })
      .gateway.read('Patient', 'p1')
      .catch((e: unknown) => e);
    const bearer = await makeGateway({ mode: 'bearer', token: new Secret('expired-token') })
      .gateway.read('Patient', 'p1')
      .catch((e: unknown) => e);

    expect(none).toBeInstanceOf(FhirAuthError);
    expect((none as Error).message).toContain('set FHIR_AUTH');
    expect(bearer).toBeInstanceOf(FhirAuthError);
    expect((bearer as Error).message).toContain('check FHIR_TOKEN');
    expect((bearer as Error).message).not.toContain('expired-token');
    expect(seen).toHaveLength(2);
  });
});

describe('the token endpoint', () => {
  it('authenticates with client_secret_basic, id and secret form-urlencoded first (RFC 6749 §2.3.1)', async () => {
    const tokens = tokenEndpoint();
    fhirServer();
    const { gateway } = makeGateway(clientCredentials({ clientId: 'care prompt:1' }));

    await gateway.read('Patient', 'p1');

    const [request] = tokens;
    expect(request?.authorization).toBe(`Basic ${Buffer.from('care+prompt%3A1:p%40ss+word%2F%2B%26').toString('base64')}`);
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs system/Communication.c',
    });
  });

  it.each([
    ['invalid_client', 401, 'FHIR_CLIENT_ID and FHIR_CLIENT_SECRET'],
    ['unauthorized_client', 400, 'FHIR_CLIENT_ID and FHIR_CLIENT_SECRET'],
    ['invalid_grant', 400, 'FHIR_CLIENT_ID and FHIR_CLIENT_SECRET'],
    ['invalid_scope', 400, 'FHIR_SCOPES'],
    ['unsupported_grant_type', 400, 'FHIR_TOKEN_URL'],
  ])('stops on %s without retrying, naming what to check and never the secret', async (code, status, check) => {
    const tokens = tokenEndpoint(() => HttpResponse.json({ error: code, error_description: `secret ${SECRET} refused` }, { status }));
    const seen = fhirServer();
    const { gateway, sleeps } = makeGateway(clientCredentials());

    const error = await gateway.read('Patient', 'p1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirAuthError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain(check);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).cause).toBeUndefined();
    expect(tokens).toHaveLength(1);
    expect(seen).toHaveLength(0);
    expect(sleeps).toEqual([]);
  });

  it('says, on invalid_client, that a secret with characters form-urlencoding changes may be why, never printing it', async () => {
    tokenEndpoint(() => HttpResponse.json({ error: 'invalid_client' }, { status: 401 }));
    const { gateway } = makeGateway(clientCredentials());

    const error = await gateway.read('Patient', 'p1').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FhirAuthError', code: 'invalid_client' });
    expect((error as Error).message).toContain('FHIR_CLIENT_SECRET holds characters that client_secret_basic form-urlencodes');
    expect((error as Error).message).not.toContain('FHIR_CLIENT_ID holds');
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toContain(encodeURIComponent(SECRET));
  });

  it.each([
    ['invalid_client, a secret of letters, digits and - . _', 'invalid_client', 'Abc-123_x.Y'],
    ['invalid_scope, whatever the secret', 'invalid_scope', SECRET],
  ])('gives no encoding hint on %s', async (_name, code, secret) => {
    tokenEndpoint(() => HttpResponse.json({ error: code }, { status: 400 }));
    const { gateway } = makeGateway(clientCredentials({ clientSecret: new Secret(secret) }));

    const error = await gateway.read('Patient', 'p1').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FhirAuthError', code });
    expect((error as Error).message).not.toContain('form-urlencodes');
  });

  it('refuses a 200 without a bearer access_token', async () => {
    tokenEndpoint(() => HttpResponse.json({ token_type: 'Bearer', expires_in: 60 }));
    const { gateway } = makeGateway(clientCredentials());

    await expect(gateway.read('Patient', 'p1')).rejects.toMatchObject({ name: 'FhirAuthError', code: 'malformed-token-response' });
  });

  it('retries a token endpoint that answers 503 like any FHIR request, honouring Retry-After', async () => {
    const tokens = tokenEndpoint((n) => (n <= 2 ? new HttpResponse(null, { status: 503, headers: { 'retry-after': '1' } }) : undefined));
    const seen = fhirServer();
    const { gateway, sleeps } = makeGateway(clientCredentials());

    await expect(gateway.read('Patient', 'p1')).resolves.toMatchObject({ id: 'p1' });

    expect(tokens).toHaveLength(3);
    expect(sleeps).toEqual([1000, 1000]);
    expect(seen).toEqual([{ what: 'read', authorization: 'Bearer token-3' }]);
  });

  it('gives up as transient when the token endpoint stays down', async () => {
    const tokens = tokenEndpoint(() => HttpResponse.error());
    const { gateway, sleeps } = makeGateway(clientCredentials());

    const error = await gateway.read('Patient', 'p1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirTransientError);
    expect((error as Error).message).toContain('FHIR token request failed: network error');
    expect(tokens).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });
});

describe('discovery of the token endpoint', () => {
  const smartConfiguration = (base: string, body: Record<string, unknown>, status = 200) => {
    let requests = 0;
    server.use(
      http.get(`${base}/.well-known/smart-configuration`, () => {
        requests += 1;
        return HttpResponse.json(body, { status });
      }),
    );
    return () => requests;
  };

  it('reads token_endpoint from the SMART configuration once, when FHIR_TOKEN_URL is unset', async () => {
    const discoveries = smartConfiguration(BASE, {
      token_endpoint: TOKEN_URL,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
    });
    const tokens = tokenEndpoint(() => undefined, 1);
    fhirServer();
    const { gateway, clock } = makeGateway(clientCredentials({ tokenUrl: undefined }));

    await gateway.read('Patient', 'p1');
    clock.now += 5_000;
    await gateway.read('Patient', 'p1');

    expect(tokens).toHaveLength(2);
    expect(discoveries()).toBe(1);
  });

  it('stops with a FhirAuthError naming FHIR_TOKEN_URL when the server has no SMART configuration', async () => {
    smartConfiguration(BASE, { resourceType: 'OperationOutcome' }, 404);
    const { gateway } = makeGateway(clientCredentials({ tokenUrl: undefined }));

    const error = await gateway.read('Patient', 'p1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirAuthError);
    expect((error as Error).message).toContain('set FHIR_TOKEN_URL');
  });

  it('refuses a plain-HTTP token endpoint announced by an HTTPS FHIR server', async () => {
    const base = 'https://secure.test/fhir';
    smartConfiguration(base, { token_endpoint: 'http://secure.test/oauth2/token' });
    const { gateway } = makeGateway(clientCredentials({ tokenUrl: undefined }), { baseUrl: base });

    await expect(gateway.read('Patient', 'p1')).rejects.toMatchObject({ name: 'FhirAuthError', code: 'insecure-token-endpoint' });
  });
});
