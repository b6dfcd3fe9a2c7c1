/**
 * The strict FHIR server's other modes over real HTTP: the include cap, 409s on a seeded share of conditional
 * creates, the rate budget announced in `RateLimit` headers, all of them at once, and none of them by default.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FhirServerOptions, type FhirTestServer, startFhirServer } from '../../tools/fhir-server/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: FHIR JSON, read field by field by the assertions
type Json = Record<string, any>;

const IDENTIFIER_SYSTEM = 'urn:careprompt:prompt';
const SERIALIZATION_TEXT = 'could not serialize access due to read/write dependencies among transactions';

interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

async function call(
  baseUrl: string,
  path: string,
  init: { method?: string; body?: Json; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.body ? { 'content-type': 'application/fhir+json' } : {}), ...init.headers },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

/** Servers started by a test, closed after it. */
const started: FhirTestServer[] = [];
async function serverWith(options: FhirServerOptions): Promise<FhirTestServer> {
  const server = await startFhirServer(options);
  started.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

const communication = (value: string): Json => ({
  resourceType: 'Communication',
  status: 'completed',
  identifier: [{ system: IDENTIFIER_SYSTEM, value }],
});

function conditionalCreate(baseUrl: string, value: string): Promise<Reply> {
  return call(baseUrl, '/Communication', {
    method: 'POST',
    body: communication(value),
    headers: { 'if-none-exist': `identifier=${IDENTIFIER_SYSTEM}|${value}` },
  });
}

describe('strict FHIR server: include cap', () => {
  const CAP = 6;
  let baseUrl = '';
  let server: FhirTestServer;

  beforeAll(async () => {
    server = await startFhirServer({ strict: { includeCap: CAP } });
    baseUrl = server.baseUrl;
  });
  afterAll(() => server.close());

  async function patientWithConditions(count: number): Promise<string> {
    const patient = (await call(baseUrl, '/Patient', { method: 'POST', body: { resourceType: 'Patient' } })).body.id;
    for (let i = 0; i < count; i += 1) {
      const condition = { resourceType: 'Condition', subject: { reference: `Patient/${patient}` } };
      expect((await call(baseUrl, '/Condition', { method: 'POST', body: condition })).status).toBe(201);
    }
    return patient;
  }

  it('answers a search whose entries reach the cap exactly', async () => {
    const patient = await patientWithConditions(CAP - 1);

    const { status, body } = await call(baseUrl, `/Patient?_id=${patient}&_revinclude=Condition:subject`);

    expect(status).toBe(200);
    expect(body.entry).toHaveLength(CAP);
    expect(body.entry.filter((entry: Json) => entry.search.mode === 'include')).toHaveLength(CAP - 1);
  });

  it('refuses with 400 a search whose matches and included entries exceed it, as Medplum words it', async () => {
    const patient = await patientWithConditions(CAP);
    const cappedBefore = server.stats().includeCapped;

    const { status, body } = await call(baseUrl, `/Patient?_id=${patient}&_revinclude=Condition:subject`);

    expect(status).toBe(400);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].details.text).toBe(`Search with _(rev)include reached query scope limit: depth=1, results=${CAP + 1}`);
    expect(server.stats().includeCapped).toBe(cappedBefore + 1);
  });

  it('counts every included entry, however small the page of matches', async () => {
    const patient = await patientWithConditions(CAP);

    const { status } = await call(baseUrl, `/Patient?_id=${patient}&_revinclude=Condition:subject&_count=1`);

    expect(status).toBe(400);
  });

  it('leaves searches without includes alone, and per-type searches page as usual', async () => {
    const patient = await patientWithConditions(CAP + 4);

    const all = await call(baseUrl, `/Condition?subject=Patient/${patient}&_count=100`);
    const firstPage = await call(baseUrl, `/Condition?subject=Patient/${patient}&_count=5`);

    expect(all.status).toBe(200);
    expect(all.body.entry).toHaveLength(CAP + 4);
    expect(firstPage.body.link.map((link: Json) => link.relation)).toContain('next');
  });
});

describe('strict FHIR server: 409 on conditional creates', () => {
  const statusesOf = async (baseUrl: string, values: string[]): Promise<number[]> => {
    const statuses: number[] = [];
    for (const value of values) {
      statuses.push((await conditionalCreate(baseUrl, value)).status);
    }
    return statuses;
  };
  const values = Array.from({ length: 40 }, (_, i) => `prompt-${i}`);

  it('refuses the same share of creates for the same seed, and other ones for another seed', async () => {
    const first = await statusesOf((await serverWith({ strict: { conflicts: { share: 0.3, seed: 7 } } })).baseUrl, values);
    const again = await statusesOf((await serverWith({ strict: { conflicts: { share: 0.3, seed: 7 } } })).baseUrl, values);
    const otherSeed = await statusesOf((await serverWith({ strict: { conflicts: { share: 0.3, seed: 8 } } })).baseUrl, values);

    expect(again).toEqual(first);
    expect(otherSeed).not.toEqual(first);
    const conflicts = first.filter((status) => status === 409).length;
    expect(conflicts).toBeGreaterThanOrEqual(4);
    expect(conflicts).toBeLessThanOrEqual(20);
    expect(first.filter((status) => status !== 409).every((status) => status === 201)).toBe(true);
  });

  it('answers 409 code conflict 40001 as Medplum does and creates nothing; a repeat later gives 201, then 200 with the same id', async () => {
    const server = await serverWith({ strict: { conflicts: { share: 0.5, seed: 3 } } });
    let refused: Reply | undefined;
    let value = '';
    for (let i = 0; !refused; i += 1) {
      value = `first-refused-${i}`;
      const reply = await conditionalCreate(server.baseUrl, value);
      refused = reply.status === 409 ? reply : undefined;
    }

    expect(refused.body.issue[0]).toMatchObject({
      severity: 'error',
      code: 'conflict',
      details: { coding: [{ code: '40001' }], text: SERIALIZATION_TEXT },
    });
    const search = await call(server.baseUrl, `/Communication?identifier=${IDENTIFIER_SYSTEM}|${value}`);
    expect(search.body.total).toBe(0);

    const untilAnswered = async (): Promise<Reply> => {
      for (;;) {
        const reply = await conditionalCreate(server.baseUrl, value);
        if (reply.status !== 409) return reply;
      }
    };
    const created = await untilAnswered();
    const repeated = await untilAnswered();
    expect(created.status).toBe(201);
    expect(repeated.status).toBe(200);
    expect(repeated.body.id).toBe(created.body.id);
    expect(server.stats().conflicts).toBeGreaterThanOrEqual(1);
  });

  it('refuses only conditional creates: a plain create and a share of 0 never conflict', async () => {
    const always = await serverWith({ strict: { conflicts: { share: 1 } } });
    const never = await serverWith({ strict: { conflicts: { share: 0 } } });

    expect((await conditionalCreate(always.baseUrl, 'x')).status).toBe(409);
    expect((await call(always.baseUrl, '/Communication', { method: 'POST', body: communication('y') })).status).toBe(201);
    expect(await statusesOf(never.baseUrl, values)).toEqual(values.map(() => 201));
  });
});

describe('strict FHIR server: rate limit', () => {
  it('counts the budget down in RateLimit headers, then answers 429 without Retry-After until the window rolls', async () => {
    let now = Date.parse('2026-03-01T09:00:00Z');
    const server = await serverWith({ clock: () => now, strict: { rateLimit: { interactions: 3, windowSeconds: 60 } } });

    const replies = [await call(server.baseUrl, '/Patient'), await call(server.baseUrl, '/Patient/missing')];
    now += 10_000;
    replies.push(await call(server.baseUrl, '/Patient'), await call(server.baseUrl, '/Patient'));

    expect(replies.map((reply) => reply.status)).toEqual([200, 404, 200, 429]);
    expect(replies.map((reply) => reply.headers.get('ratelimit'))).toEqual([
      '"fhirInteractions";r=2;t=60',
      '"fhirInteractions";r=1;t=60',
      '"fhirInteractions";r=0;t=50',
      '"fhirInteractions";r=0;t=50',
    ]);
    const throttled = replies[3] as Reply;
    expect(throttled.headers.get('retry-after')).toBeNull();
    expect(throttled.body.resourceType).toBe('OperationOutcome');
    expect(throttled.body.issue[0].code).toBe('throttled');
    // The third request spent the window's last interaction; the fourth was refused.
    expect(server.stats()).toMatchObject({ quotaSpent: 1, throttled: 1 });

    now += 50_000;
    const nextWindow = await call(server.baseUrl, '/Patient');
    expect(nextWindow.status).toBe(200);
    expect(nextWindow.headers.get('ratelimit')).toBe('"fhirInteractions";r=2;t=60');
  });
});

describe('strict FHIR server: URL length', () => {
  it('refuses with 414 a request whose path and query are longer than the limit, before it spends any rate budget', async () => {
    const server = await serverWith({ strict: { maxUrlLength: 300, rateLimit: { interactions: 10, windowSeconds: 60 } } });
    const subjects = Array.from({ length: 10 }, (_, index) => `Patient/${index}`).join(',');
    const path = `/Condition?subject=${encodeURIComponent(subjects)}`;

    const tooLong = await call(server.baseUrl, `${path}${'&code=x'.repeat(30)}`);
    const fits = await call(server.baseUrl, path);

    expect(tooLong.status).toBe(414);
    expect(tooLong.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-long' }] });
    expect(tooLong.headers.get('ratelimit')).toBeNull();
    expect(fits.status).toBe(200);
    expect(fits.headers.get('ratelimit')).toBe('"fhirInteractions";r=9;t=60');
    expect(server.stats()).toMatchObject({ uriTooLong: 1, throttled: 0 });
  });
});

describe('strict FHIR server: modes together and apart', () => {
  it('with every mode on, refuses a missing token before spending the budget, and admits a token holder', async () => {
    const server = await serverWith({
      strict: {
        auth: { clients: [{ clientId: 'careprompt', secret: 'secret' }] },
        includeCap: 1000,
        conflicts: { share: 0, seed: 1 },
        rateLimit: { interactions: 2, windowSeconds: 60 },
      },
    });
    const token = await fetch(`${server.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('careprompt:secret').toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }),
    }).then(async (response) => ((await response.json()) as Json).access_token as string);

    const anonymous = await call(server.baseUrl, '/Patient');
    const admitted = await call(server.baseUrl, '/Patient', { headers: { authorization: `Bearer ${token}` } });

    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('ratelimit')).toBeNull();
    expect(admitted.status).toBe(200);
    expect(admitted.headers.get('ratelimit')).toBe('"fhirInteractions";r=1;t=60');
    const { tokensIssued, unauthorized, ...others } = server.stats();
    expect({ tokensIssued, unauthorized }).toEqual({ tokensIssued: 1, unauthorized: 1 });
    expect(Object.values(others).every((count) => count === 0)).toBe(true);
  });

  it('with no strict options, needs no token, announces no limit and has no token endpoint', async () => {
    const server = await serverWith({});

    const search = await call(server.baseUrl, '/Patient');
    const discovery = await call(server.baseUrl, '/.well-known/smart-configuration');
    const created = await conditionalCreate(server.baseUrl, 'plain');

    expect(search.status).toBe(200);
    expect(search.headers.get('ratelimit')).toBeNull();
    expect(discovery.status).toBe(404);
    expect(created.status).toBe(201);
    expect(Object.values(server.stats()).every((count) => count === 0)).toBe(true);
  });
});
