import { delay, HttpResponse, http } from 'msw';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  createFhirGateway,
  FhirDataError,
  type FhirGatewayOptions,
  FhirRequestError,
  FhirTransientError,
  type SearchPage,
} from '../../src/fhir/index.ts';
import { FHIR_BASE, useMswServer } from '../support/msw.ts';

const BASE = FHIR_BASE;
const server = useMswServer();

/**
 * A gateway whose waits are recorded, not slept, on a clock that moves only by those waits, with jitter fixed at
 * the middle of its range.
 */
function makeGateway(options: Partial<FhirGatewayOptions> = {}) {
  const sleeps: number[] = [];
  let clock = Date.parse('2025-03-01T12:00:00Z');
  const gateway = createFhirGateway({
    baseUrl: BASE,
    random: () => 0.5,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    ...options,
  });
  return { gateway, sleeps };
}

function searchset(resources: Array<Record<string, unknown>>, next?: string) {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: next
      ? [
          { relation: 'self', url: `${BASE}/self` },
          { relation: 'next', url: next },
        ]
      : [],
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}

async function allPages(pages: AsyncIterable<SearchPage>): Promise<SearchPage[]> {
  const collected: SearchPage[] = [];
  for await (const page of pages) collected.push(page);
  return collected;
}

const condition = (id: string) => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p1' } });
const outcome = (diagnostics: string) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'invalid', diagnostics }],
});

describe('searchPages', () => {
  it('follows next links until the server has no more', async () => {
    const requested: string[] = [];
    server.use(
      http.get(`${BASE}/Condition`, ({ request }) => {
        const url = new URL(request.url);
        requested.push(url.search);
        const page = Number(url.searchParams.get('page') ?? '1');
        const next = page < 3 ? `${BASE}/Condition?code=44054006&_count=2&page=${page + 1}` : undefined;
        return HttpResponse.json(searchset([condition(`c${page}a`), condition(`c${page}b`)], next));
      }),
    );
    const { gateway } = makeGateway();

    const pages = await allPages(gateway.searchPages('Condition', { code: '44054006', _count: '2' }));

    expect(pages.map((page) => page.matches.map((r) => r.id))).toEqual([
      ['c1a', 'c1b'],
      ['c2a', 'c2b'],
      ['c3a', 'c3b'],
    ]);
    expect(requested).toHaveLength(3);
    expect(gateway.counts()).toEqual({ searchPages: 3, reads: 0, creates: 0 });
  });

  it('asks for pageSize results per page when the caller gives no _count', async () => {
    const counts: Array<string | null> = [];
    server.use(
      http.get(`${BASE}/Condition`, ({ request }) => {
        counts.push(new URL(request.url).searchParams.get('_count'));
        return HttpResponse.json(searchset([]));
      }),
    );

    await allPages(makeGateway().gateway.searchPages('Condition', { code: 'x' }));
    await allPages(makeGateway({ pageSize: 50 }).gateway.searchPages('Condition', { code: 'x' }));

    expect(counts).toEqual(['500', '50']);
  });

  it('asks a search too long for one URL in parts, each within maxQueryLength, and yields every part’s pages with a running total', async () => {
    const queries: string[] = [];
    server.use(
      http.get(`${BASE}/Condition`, ({ request }) => {
        const url = new URL(request.url);
        queries.push(url.search.slice(1));
        const subjects = url.searchParams.get('subject')?.split(',') ?? [];
        // Each part answers with its own total, which counts that part alone.
        return HttpResponse.json({
          ...searchset(subjects.map((subject) => ({ ...condition(subject), subject: { reference: subject } }))),
          total: subjects.length,
        });
      }),
    );
    const subjects = Array.from({ length: 120 }, (_, index) => `Patient/p${index}`);
    const { gateway } = makeGateway({ maxQueryLength: 500 });

    const pages = await allPages(gateway.searchPages('Condition', { subject: subjects.join(','), 'clinical-status': 'active' }));

    expect(queries.length).toBeGreaterThan(1);
    expect(queries.every((query) => query.length <= 500 && query.includes('clinical-status=active'))).toBe(true);
    expect(pages.flatMap((page) => page.matches.map((resource) => resource.id))).toEqual(subjects);
    // Each part's Bundle.total counts that part: the pages add them up, so the last one counts the whole search.
    expect(pages.at(-1)?.total).toBe(subjects.length);
    expect(pages.map((page) => page.total)).toEqual(
      pages.map((_, index) => pages.slice(0, index + 1).reduce((sum, page) => sum + page.matches.length, 0)),
    );
    expect(gateway.counts().searchPages).toBe(queries.length);
  });

  it('separates included resources from matches by search.mode', async () => {
    server.use(
      http.get(`${BASE}/Condition`, () =>
        HttpResponse.json({
          resourceType: 'Bundle',
          entry: [
            { resource: condition('c1'), search: { mode: 'match' } },
            { resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'include' } },
            { resource: condition('c2') },
            { resource: outcome('search warning'), search: { mode: 'outcome' } },
          ],
        }),
      ),
    );

    const [page] = await allPages(makeGateway().gateway.searchPages('Condition', { _include: 'Condition:subject' }));

    expect(page?.matches.map((r) => r.id)).toEqual(['c1', 'c2']);
    expect(page?.included.map((r) => `${r.resourceType}/${r.id}`)).toEqual(['Patient/p1']);
    expect(page?.outcomes).toBe(1);
  });

  it("makes this server's absolute subject references relative, and leaves another server's alone", async () => {
    server.use(
      http.get(`${BASE}/Condition`, () =>
        HttpResponse.json({
          resourceType: 'Bundle',
          entry: [
            { resource: { ...condition('c1'), subject: { reference: `${BASE}/Patient/p1` } } },
            { resource: { ...condition('c2'), subject: { reference: 'https://other-ehr.example/fhir/Patient/p1' } } },
          ],
        }),
      ),
    );

    const [page] = await allPages(makeGateway().gateway.searchPages('Condition', {}));

    expect(page?.matches.map((r) => (r.subject as { reference: string }).reference)).toEqual([
      'Patient/p1',
      'https://other-ehr.example/fhir/Patient/p1',
    ]);
  });

  it('reads a Bundle without entries as an empty page, with its total', async () => {
    server.use(http.get(`${BASE}/Condition`, () => HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', total: 0 })));

    const pages = await allPages(makeGateway().gateway.searchPages('Condition', {}));

    expect(pages).toEqual([{ matches: [], included: [], total: 0 }]);
  });

  it('rejects a Bundle whose entry is not an array, naming the field but not the value', async () => {
    server.use(http.get(`${BASE}/Condition`, () => HttpResponse.json({ resourceType: 'Bundle', id: 'b1', entry: 'Jane Doe' })));

    const error = await allPages(makeGateway().gateway.searchPages('Condition', {})).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirDataError);
    expect(error).toMatchObject({ resourceType: 'Bundle', resourceId: 'b1', field: 'entry' });
    expect((error as Error).message).toContain('expected array');
    expect((error as Error).message).not.toContain('Jane');
  });

  it('rejects a response that is not a Bundle', async () => {
    server.use(http.get(`${BASE}/Condition`, () => HttpResponse.json({ resourceType: 'Condition', id: 'c1' })));

    const error = await allPages(makeGateway().gateway.searchPages('Condition', {})).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirDataError);
    expect(error).toMatchObject({ field: 'resourceType' });
  });

  it('rejects an entry without a resource type, naming its index', async () => {
    server.use(
      http.get(`${BASE}/Condition`, () =>
        HttpResponse.json({
          resourceType: 'Bundle',
          entry: [{ resource: condition('c1') }, { resource: { id: 'x' } }],
        }),
      ),
    );

    const error = await allPages(makeGateway().gateway.searchPages('Condition', {})).catch((e: unknown) => e);

    expect(error).toMatchObject({ field: 'entry[1].resource.resourceType' });
  });

  it('will not follow a next link to another host, which would receive our headers', async () => {
    server.use(
      http.get(`${BASE}/Condition`, () => HttpResponse.json(searchset([condition('c1')], 'http://elsewhere.test/fhir/Condition?page=2'))),
    );
    const { gateway } = makeGateway({ headers: { authorization: 'Bearer t' } });

    const error = await allPages(gateway.searchPages('Condition', {})).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirDataError);
    expect(error).toMatchObject({ field: 'link[1].url' });
  });

  it('stops a server that links back to a page already read', async () => {
    server.use(http.get(`${BASE}/Condition`, () => HttpResponse.json(searchset([condition('c1')], `${BASE}/Condition?page=2`))));
    const { gateway } = makeGateway();

    const error = await allPages(gateway.searchPages('Condition', {})).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirDataError);
    expect(gateway.counts().searchPages).toBe(2);
  });
});

describe('transient failures', () => {
  it('waits what Retry-After asks after a 429, then succeeds', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/Patient/p1`, () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json(outcome('slow down'), { status: 429, headers: { 'Retry-After': '2' } })
          : HttpResponse.json({ resourceType: 'Patient', id: 'p1' });
      }),
    );
    const { gateway, sleeps } = makeGateway();

    await expect(gateway.read('Patient', 'p1')).resolves.toMatchObject({ id: 'p1' });
    expect(sleeps).toEqual([2_000]);
    expect(gateway.counts().reads).toBe(2);
  });

  it('hands a Retry-After longer than backoffMaxMs to the caller instead of waiting', async () => {
    server.use(http.get(`${BASE}/Patient/p1`, () => new HttpResponse(null, { status: 503, headers: { 'Retry-After': '120' } })));
    const { gateway, sleeps } = makeGateway();

    const error = await gateway.read('Patient', 'p1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirTransientError);
    expect(error).toMatchObject({ status: 503, retryAfterMs: 120_000 });
    expect(sleeps).toEqual([]);
  });

  it('retries a 503 twice with growing jittered backoff, then succeeds', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/Patient/p1`, () => {
        calls += 1;
        return calls <= 2
          ? new HttpResponse('<html>busy</html>', { status: 503 })
          : HttpResponse.json({ resourceType: 'Patient', id: 'p1' });
      }),
    );
    const { gateway, sleeps } = makeGateway();

    await expect(gateway.read('Patient', 'p1')).resolves.toMatchObject({ id: 'p1' });
    // Half of 500 ms, then half of 1 000 ms (random fixed at 0.5).
    expect(sleeps).toEqual([250, 500]);
  });

  it('throws FhirTransientError once maxAttempts are spent, every attempt counted', async () => {
    server.use(http.get(`${BASE}/Condition`, () => HttpResponse.json(outcome('down'), { status: 503 })));
    const { gateway, sleeps } = makeGateway();

    const error = await allPages(gateway.searchPages('Condition', {})).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirTransientError);
    expect(error).toMatchObject({ status: 503 });
    expect((error as Error).message).toContain('attempt 4/4');
    expect(gateway.counts()).toEqual({ searchPages: 4, reads: 0, creates: 0 });
    expect(sleeps).toHaveLength(3);
  });

  it('times out a server that never answers, retries, then gives up as transient', async () => {
    server.use(
      http.get(`${BASE}/Patient/p1`, async () => {
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    const { gateway, sleeps } = makeGateway({ timeoutMs: 20, maxAttempts: 2 });

    const error = await gateway.read('Patient', 'p1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirTransientError);
    expect((error as Error).message).toContain('timed out after 20 ms');
    expect((error as FhirTransientError).status).toBeUndefined();
    expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
    expect(gateway.counts().reads).toBe(2);
    expect(sleeps).toHaveLength(1);
  });

  it('treats a network error as transient', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/Patient/p1`, () => {
        calls += 1;
        return calls === 1 ? HttpResponse.error() : HttpResponse.json({ resourceType: 'Patient', id: 'p1' });
      }),
    );
    const { gateway } = makeGateway();

    await expect(gateway.read('Patient', 'p1')).resolves.toMatchObject({ id: 'p1' });
    expect(gateway.counts().reads).toBe(2);
  });

  it('throws FhirTransientError when the network stays down', async () => {
    server.use(http.get(`${BASE}/Patient/p1`, () => HttpResponse.error()));
    const { gateway } = makeGateway({ maxAttempts: 2 });

    const error = await gateway.read('Patient', 'p1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirTransientError);
    expect((error as Error).message).toContain('network error');
  });
});

describe('refused requests', () => {
  it('throws FhirRequestError with the OperationOutcome summary and does not retry', async () => {
    server.use(http.get(`${BASE}/Condition`, () => HttpResponse.json(outcome('Unknown search parameter "foo"'), { status: 400 })));
    const { gateway, sleeps } = makeGateway();

    const error = await allPages(gateway.searchPages('Condition', { foo: 'bar' })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirRequestError);
    expect(error).toMatchObject({ status: 400, outcome: 'error/invalid: Unknown search parameter "foo"' });
    expect(gateway.counts().searchPages).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('keeps the server text out of the message and out of logged errors', async () => {
    server.use(http.post(`${BASE}/Communication`, () => HttpResponse.json(outcome('Jane Doe has no portal account'), { status: 422 })));
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });

    const error = await makeGateway()
      .gateway.createIfNoneExist(communication('k1'), { system: SYSTEM, value: 'k1' })
      .catch((e: unknown) => e);
    logger.error({ err: error }, 'send failed');

    expect(error).toMatchObject({ status: 422, outcome: 'error/invalid: Jane Doe has no portal account' });
    expect((error as Error).message).not.toContain('Jane');
    expect(lines.join('')).toContain('HTTP 422');
    expect(lines.join('')).not.toContain('Jane');
  });

  it('truncates a long OperationOutcome summary', async () => {
    server.use(http.get(`${BASE}/Condition`, () => HttpResponse.json(outcome('x'.repeat(2_000)), { status: 400 })));

    const error = await allPages(makeGateway().gateway.searchPages('Condition', {})).catch((e: unknown) => e);

    expect((error as FhirRequestError).outcome).toHaveLength(500);
    expect((error as FhirRequestError).outcome.endsWith('…')).toBe(true);
  });
});

describe('read', () => {
  it('returns the resource', async () => {
    server.use(http.get(`${BASE}/Patient/p1`, () => HttpResponse.json({ resourceType: 'Patient', id: 'p1', active: true })));

    await expect(makeGateway().gateway.read('Patient', 'p1')).resolves.toEqual({
      resourceType: 'Patient',
      id: 'p1',
      active: true,
    });
  });

  it('returns undefined for 404 and 410', async () => {
    server.use(
      http.get(`${BASE}/Patient/missing`, () => HttpResponse.json(outcome('not found'), { status: 404 })),
      http.get(`${BASE}/Patient/deleted`, () => HttpResponse.json(outcome('gone'), { status: 410 })),
    );
    const { gateway } = makeGateway();

    await expect(gateway.read('Patient', 'missing')).resolves.toBeUndefined();
    await expect(gateway.read('Patient', 'deleted')).resolves.toBeUndefined();
    expect(gateway.counts().reads).toBe(2);
  });

  it('rejects a resource of another type', async () => {
    server.use(http.get(`${BASE}/Patient/p1`, () => HttpResponse.json({ resourceType: 'Bundle', id: 'p1' })));

    await expect(makeGateway().gateway.read('Patient', 'p1')).rejects.toMatchObject({
      name: 'FhirDataError',
      field: 'resourceType',
    });
  });

  it('sends the configured headers', async () => {
    let authorization: string | null = null;
    server.use(
      http.get(`${BASE}/Patient/p1`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return HttpResponse.json({ resourceType: 'Patient', id: 'p1' });
      }),
    );

    await makeGateway({ headers: { Authorization: 'Bearer token-1' } }).gateway.read('Patient', 'p1');

    expect(authorization).toBe('Bearer token-1');
  });
});

const SYSTEM = 'urn:careprompt:prompt';
const communication = (key: string) => ({
  resourceType: 'Communication',
  status: 'completed',
  identifier: [{ system: SYSTEM, value: key }],
});

describe('createIfNoneExist', () => {
  it('sends If-None-Exist on the identifier and maps 201 to created and 200 to already there', async () => {
    const conditions: Array<string | null> = [];
    server.use(
      http.post(`${BASE}/Communication`, ({ request }) => {
        conditions.push(request.headers.get('if-none-exist'));
        return conditions.length === 1
          ? HttpResponse.json({ ...communication('k1'), id: 'comm-1' }, { status: 201 })
          : HttpResponse.json({ ...communication('k1'), id: 'comm-1' }, { status: 200 });
      }),
    );
    const { gateway } = makeGateway();

    const first = await gateway.createIfNoneExist(communication('k1'), { system: SYSTEM, value: 'k1' });
    const again = await gateway.createIfNoneExist(communication('k1'), { system: SYSTEM, value: 'k1' });

    expect(first).toEqual({ id: 'comm-1', created: true });
    expect(again).toEqual({ id: 'comm-1', created: false });
    expect(conditions).toEqual(['identifier=urn%3Acareprompt%3Aprompt|k1', 'identifier=urn%3Acareprompt%3Aprompt|k1']);
    expect(gateway.counts().creates).toBe(2);
  });

  it('takes the id from Location when the server returns no body', async () => {
    server.use(
      http.post(
        `${BASE}/Communication`,
        () => new HttpResponse(null, { status: 201, headers: { Location: `${BASE}/Communication/comm-9/_history/1` } }),
      ),
    );

    await expect(makeGateway().gateway.createIfNoneExist(communication('k9'), { system: SYSTEM, value: 'k9' })).resolves.toEqual({
      id: 'comm-9',
      created: true,
    });
  });

  it('retries a transient failure, the condition keeping the retry from duplicating', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/Communication`, () => {
        calls += 1;
        return calls === 1 ? HttpResponse.error() : HttpResponse.json({ ...communication('k2'), id: 'comm-2' }, { status: 200 });
      }),
    );
    const { gateway } = makeGateway();

    await expect(gateway.createIfNoneExist(communication('k2'), { system: SYSTEM, value: 'k2' })).resolves.toEqual({
      id: 'comm-2',
      created: false,
    });
    expect(gateway.counts().creates).toBe(2);
  });

  it('waits what Retry-After asks, times out a server that never answers, and carries the configured headers', async () => {
    const seen: Array<string | null> = [];
    let calls = 0;
    server.use(
      http.post(`${BASE}/Communication`, async ({ request }) => {
        seen.push(request.headers.get('authorization'));
        calls += 1;
        if (calls === 1) return HttpResponse.json(outcome('slow down'), { status: 429, headers: { 'Retry-After': '3' } });
        if (calls === 2) await delay('infinite');
        return HttpResponse.json({ ...communication('k4'), id: 'comm-4' }, { status: 201 });
      }),
    );
    const { gateway, sleeps } = makeGateway({ timeoutMs: 50, headers: { Authorization: 'Bearer t0k3n' } });

    await expect(gateway.createIfNoneExist(communication('k4'), { system: SYSTEM, value: 'k4' })).resolves.toEqual({
      id: 'comm-4',
      created: true,
    });
    expect(sleeps[0]).toBe(3_000);
    expect(sleeps).toHaveLength(2);
    expect(seen).toEqual(['Bearer t0k3n', 'Bearer t0k3n', 'Bearer t0k3n']);
  });

  it('reports a success whose body is not JSON as a data error, without retrying', async () => {
    server.use(http.post(`${BASE}/Communication`, () => new HttpResponse('<html>ok</html>', { status: 201 })));
    const { gateway, sleeps } = makeGateway();

    const error = await gateway.createIfNoneExist(communication('k5'), { system: SYSTEM, value: 'k5' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirDataError);
    expect(gateway.counts().creates).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('follows a 307/308 on the same host with the same body and headers, and no redirect to another host', async () => {
    const moved = `${new URL(BASE).origin}/moved/fhir/Communication`;
    const received: Array<string | null> = [];
    let elsewhere = 0;
    server.use(
      http.post(`${BASE}/Communication`, () => new HttpResponse(null, { status: 308, headers: { Location: moved } })),
      http.post(moved, async ({ request }) => {
        received.push(request.headers.get('if-none-exist'));
        const body = (await request.json()) as { identifier: unknown };
        return HttpResponse.json({ ...communication('k6'), identifier: body.identifier, id: 'comm-6' }, { status: 201 });
      }),
    );

    await expect(makeGateway().gateway.createIfNoneExist(communication('k6'), { system: SYSTEM, value: 'k6' })).resolves.toEqual({
      id: 'comm-6',
      created: true,
    });
    expect(received).toEqual(['identifier=urn%3Acareprompt%3Aprompt|k6']);

    server.use(
      http.post(
        `${BASE}/Communication`,
        () => new HttpResponse(null, { status: 307, headers: { Location: 'http://elsewhere.test/Communication' } }),
      ),
      http.post('http://elsewhere.test/Communication', () => {
        elsewhere += 1;
        return HttpResponse.json({ ...communication('k7'), id: 'x' }, { status: 201 });
      }),
    );
    const error = await makeGateway()
      .gateway.createIfNoneExist(communication('k7'), { system: SYSTEM, value: 'k7' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FhirRequestError);
    expect(error).toMatchObject({ status: 307 });
    expect(elsewhere).toBe(0);
  });

  it('refuses a resource that does not carry the identifier it is conditional on', async () => {
    const { gateway } = makeGateway();

    await expect(gateway.createIfNoneExist(communication('other'), { system: SYSTEM, value: 'k3' })).rejects.toThrow(
      /must carry the identifier/,
    );
    expect(gateway.counts().creates).toBe(0);
  });
});

describe('options', () => {
  it('rejects an unusable configuration at creation', () => {
    expect(() => createFhirGateway({ baseUrl: 'not a url' })).toThrow();
    expect(() => createFhirGateway({ baseUrl: BASE, maxAttempts: 0 })).toThrow();
  });
});

describe('conditional create under concurrency (409/412)', () => {
  const conflict = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict', details: { text: '40001' } }] };

  it('retries a create the server answered with 409 or 412, until it is made', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/Communication`, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json(conflict, { status: 409 });
        if (calls === 2) return HttpResponse.json(conflict, { status: 412 });
        return HttpResponse.json({ ...communication('k8'), id: 'comm-8' }, { status: 201 });
      }),
    );
    const { gateway, sleeps } = makeGateway();

    await expect(gateway.createIfNoneExist(communication('k8'), { system: SYSTEM, value: 'k8' })).resolves.toEqual({
      id: 'comm-8',
      created: true,
    });
    expect(gateway.counts().creates).toBe(3);
    expect(sleeps).toEqual([250, 500]);
  });

  it('hands a 409 that persists to the job queue as transient, not as a refusal', async () => {
    server.use(http.post(`${BASE}/Communication`, () => HttpResponse.json(conflict, { status: 409 })));
    const { gateway } = makeGateway({ maxAttempts: 3 });

    const error = await gateway.createIfNoneExist(communication('k9'), { system: SYSTEM, value: 'k9' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirTransientError);
    expect(error).toMatchObject({ status: 409 });
    expect(gateway.counts().creates).toBe(3);
  });

  it('keeps 409 and 412 on other requests as refusals', async () => {
    server.use(
      http.get(`${BASE}/Patient/p1`, () => HttpResponse.json(conflict, { status: 409 })),
      http.get(`${BASE}/Condition`, () => HttpResponse.json(conflict, { status: 412 })),
    );
    const { gateway, sleeps } = makeGateway();

    await expect(gateway.read('Patient', 'p1')).rejects.toMatchObject({ name: 'FhirRequestError', status: 409 });
    await expect(allPages(gateway.searchPages('Condition', {}))).rejects.toMatchObject({ name: 'FhirRequestError', status: 412 });
    expect(sleeps).toEqual([]);
  });
});

describe('rate limits', () => {
  const tooMany = (headers: Record<string, string>) => HttpResponse.json(outcome('slow down'), { status: 429, headers });

  it.each([
    ['RateLimit (IETF draft)', { RateLimit: '"fhirInteractions";r=0;t=3' }],
    ['RateLimit-Remaining and RateLimit-Reset', { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '3' }],
    [
      'X-RateLimit-* with an epoch reset',
      { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(Date.parse('2025-03-01T12:00:03Z') / 1000) },
    ],
  ])('waits out a 429 announced only by %s, on searches and creates alike', async (_name, headers) => {
    let searches = 0;
    let creates = 0;
    server.use(
      http.get(`${BASE}/Condition`, () => (++searches === 1 ? tooMany(headers) : HttpResponse.json(searchset([condition('c1')])))),
      http.post(`${BASE}/Communication`, () =>
        ++creates === 1 ? tooMany(headers) : HttpResponse.json({ ...communication('k1'), id: 'comm-1' }, { status: 201 }),
      ),
    );
    const search = makeGateway();
    const create = makeGateway();

    await expect(allPages(search.gateway.searchPages('Condition', {}))).resolves.toHaveLength(1);
    await create.gateway.createIfNoneExist(communication('k1'), { system: SYSTEM, value: 'k1' });

    expect(search.sleeps).toEqual([3_000]);
    expect(create.sleeps).toEqual([3_000]);
  });

  it('falls back to jittered backoff after a 429 that announces nothing', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/Patient/p1`, () => (++calls === 1 ? tooMany({}) : HttpResponse.json({ resourceType: 'Patient', id: 'p1' }))),
    );
    const { gateway, sleeps } = makeGateway();

    await gateway.read('Patient', 'p1');

    expect(sleeps).toEqual([250]);
  });

  it('holds the next request until the reset a successful response announced as spent', async () => {
    const arrivals: string[] = [];
    server.use(
      http.get(`${BASE}/Condition`, ({ request }) => {
        const page = new URL(request.url).searchParams.get('page') ?? '1';
        arrivals.push(page);
        return page === '1'
          ? HttpResponse.json(searchset([condition('c1')], `${BASE}/Condition?page=2`), {
              headers: { RateLimit: '"fhirInteractions";r=0;t=5' },
            })
          : HttpResponse.json(searchset([condition('c2')]), { headers: { RateLimit: '"fhirInteractions";r=99;t=60' } });
      }),
      http.post(`${BASE}/Communication`, () =>
        HttpResponse.json(
          { ...communication('k1'), id: 'comm-1' },
          { status: 201, headers: { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '2' } },
        ),
      ),
    );
    const { gateway, sleeps } = makeGateway();

    const pages = await allPages(gateway.searchPages('Condition', {}));
    await gateway.createIfNoneExist(communication('k1'), { system: SYSTEM, value: 'k1' });
    await gateway.createIfNoneExist(communication('k1'), { system: SYSTEM, value: 'k1' });

    expect(pages).toHaveLength(2);
    expect(arrivals).toEqual(['1', '2']);
    // Page 2 waited out page 1's reset; the first create had quota left; the second waited out the first's reset.
    expect(sleeps).toEqual([5_000, 2_000]);
    expect(gateway.counts()).toEqual({ searchPages: 2, reads: 0, creates: 2 });
  });

  it('pauses no longer than a minute, whatever reset a server announces', async () => {
    server.use(
      http.get(`${BASE}/Patient/:id`, ({ params }) =>
        HttpResponse.json(
          { resourceType: 'Patient', id: params.id },
          { headers: { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '86400' } },
        ),
      ),
    );
    const { gateway, sleeps } = makeGateway();

    await gateway.read('Patient', 'p1');
    await gateway.read('Patient', 'p2');

    expect(sleeps).toEqual([60_000]);
  });

  it('takes the request budget before every attempt, retries included', async () => {
    const order: string[] = [];
    let calls = 0;
    server.use(
      http.get(`${BASE}/Patient/p1`, () => {
        order.push('request');
        return ++calls < 3 ? new HttpResponse(null, { status: 503 }) : HttpResponse.json({ resourceType: 'Patient', id: 'p1' });
      }),
      http.post(`${BASE}/Communication`, () => {
        order.push('request');
        return HttpResponse.json({ ...communication('k1'), id: 'comm-1' }, { status: 201 });
      }),
    );
    const budget = {
      take: async () => {
        order.push('take');
      },
    };
    const { gateway } = makeGateway({ budget });

    await gateway.read('Patient', 'p1');
    await gateway.createIfNoneExist(communication('k1'), { system: SYSTEM, value: 'k1' });

    expect(order).toEqual(['take', 'request', 'take', 'request', 'take', 'request', 'take', 'request']);
  });
});
