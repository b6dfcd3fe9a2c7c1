/**
 * A value set expanded by the FHIR test server's `$expand` and cached in PostgreSQL: the engine's own source
 * (buildServices), then the server's operation itself, strict modes on.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../src/app/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { findValueSetExpansion } from '../../src/store/index.ts';
import { type FhirTestServer, STRICT_DEFAULTS, startFhirServer } from '../../tools/fhir-server/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { createTestPipeline, type TestPipeline, testConfig } from '../support/pipeline.ts';

const URL_OF = 'https://careprompt.example/fhir/ValueSet/hba1c-tests';
const LOINC = 'http://loinc.org';
const LOINC_CODES = ['4548-4', '17856-6', '59261-8'];

const valueSet = {
  resourceType: 'ValueSet' as const,
  url: URL_OF,
  version: '2026.1',
  status: 'active' as const,
  compose: { include: [{ system: LOINC, concept: LOINC_CODES.map((code) => ({ code })) }] },
};

describe('value sets from the FHIR server, cached in PostgreSQL', () => {
  const env = useTestEnvironment();
  let pipeline: TestPipeline;
  beforeAll(async () => {
    await env.fhir.load({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: valueSet, request: { method: 'POST', url: 'ValueSet' } }],
    });
    // A page of 2: the three codes take two requests.
    pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, { FHIR_PAGE_SIZE: '2' });
  });
  afterAll(() => pipeline.close());

  it('expands the value set, caches it with its version, and serves the next call from the cache', async () => {
    const { valueSets, gateway } = pipeline.services;
    const now = new Date();

    const first = await valueSets.expand([URL_OF], now);
    const afterFirst = gateway.counts().reads;
    const second = await valueSets.expand([URL_OF], new Date(now.getTime() + 60_000));

    const expected = { url: URL_OF, version: '2026.1', source: 'server', codes: new Set(LOINC_CODES.map((code) => `${LOINC}|${code}`)) };
    expect(first.get(URL_OF)).toEqual(expected);
    expect(second.get(URL_OF)).toEqual(expected);
    expect(afterFirst).toBe(2);
    expect(gateway.counts().reads).toBe(afterFirst);
    expect(await findValueSetExpansion(env.db, URL_OF)).toEqual({
      url: URL_OF,
      version: '2026.1',
      codes: LOINC_CODES.map((code) => `${LOINC}|${code}`),
      source: env.fhir.baseUrl,
      fetchedAt: now,
    });
  });

  it('answers 404 with an OperationOutcome for a url no ValueSet has', async () => {
    const reply = await fetch(`${env.fhir.baseUrl}/ValueSet/$expand?url=${encodeURIComponent('https://nowhere.example/ValueSet/none')}`);
    const body = (await reply.json()) as { resourceType: string; issue: Array<{ code: string }> };
    expect(reply.status).toBe(404);
    expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  });

  it('advertises $expand on ValueSet in its CapabilityStatement', async () => {
    const statement = (await (await fetch(`${env.fhir.baseUrl}/metadata`)).json()) as {
      rest: Array<{ resource: Array<{ type: string; operation?: Array<{ name: string }> }> }>;
    };
    const declared = statement.rest[0]?.resource.find((resource) => resource.type === 'ValueSet');
    expect(declared?.operation).toEqual([{ name: 'expand', definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand' }]);
  });
});

describe("the test server's $expand with strict modes on", () => {
  const secret = `right-${randomUUID()}`;
  const strict = {} as FhirTestServer;
  beforeAll(async () => {
    Object.assign(
      strict,
      await startFhirServer({ strict: { ...STRICT_DEFAULTS, auth: { clients: [{ clientId: 'careprompt', secret }] } } }),
    );
    await strict.load({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: valueSet, request: { method: 'POST', url: 'ValueSet' } }],
    });
  });
  afterAll(() => strict.close());

  it('pages the expansion for a client with a token, under the rate budget', async () => {
    const config = testConfig(strict.baseUrl, {
      FHIR_AUTH: 'client-credentials',
      FHIR_CLIENT_ID: 'careprompt',
      FHIR_CLIENT_SECRET: secret,
      FHIR_PAGE_SIZE: '1',
    });
    const expanded = await buildGateway(config, silentLogger).expandValueSet(URL_OF);
    expect(expanded.expansion?.contains?.map((entry) => entry.code)).toEqual(LOINC_CODES);
    expect(expanded.expansion?.total).toBe(3);
  });

  it('refuses a request without a token', async () => {
    const refused = await fetch(`${strict.baseUrl}/ValueSet/$expand?url=${encodeURIComponent(URL_OF)}`);
    expect(refused.status).toBe(401);
    expect(strict.stats().unauthorized).toBe(1);
  });
});
