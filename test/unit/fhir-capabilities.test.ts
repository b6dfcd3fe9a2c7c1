import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { createFhirGateway, FhirAuthError, FhirDataError, FhirRequestError } from '../../src/fhir/index.ts';
import { FHIR_BASE, useMswServer } from '../support/msw.ts';

const server = useMswServer();
const statement = { resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', rest: [{ mode: 'server' }] };

function makeGateway(headers: Record<string, string> = {}) {
  const sleeps: number[] = [];
  const gateway = createFhirGateway({
    baseUrl: FHIR_BASE,
    headers,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { gateway, sleeps };
}

describe('capabilities', () => {
  it('returns what GET <base>/metadata answered, sent with the configured headers and counted as a read', async () => {
    let authorization: string | null = null;
    server.use(
      http.get(`${FHIR_BASE}/metadata`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return HttpResponse.json(statement);
      }),
    );
    const { gateway } = makeGateway({ Authorization: 'Bearer token-1' });

    await expect(gateway.capabilities()).resolves.toEqual(statement);
    expect(authorization).toBe('Bearer token-1');
    expect(gateway.counts()).toEqual({ searchPages: 0, reads: 1, creates: 0 });
  });

  it('retries a transient failure with backoff like any read', async () => {
    let calls = 0;
    server.use(
      http.get(`${FHIR_BASE}/metadata`, () => {
        calls += 1;
        return calls === 1 ? new HttpResponse('busy', { status: 503 }) : HttpResponse.json(statement);
      }),
    );
    const { gateway, sleeps } = makeGateway();

    await expect(gateway.capabilities()).resolves.toEqual(statement);
    expect(sleeps).toEqual([250]);
  });

  it('throws FhirRequestError with the status for a refusal, without retrying', async () => {
    server.use(
      http.get(`${FHIR_BASE}/metadata`, () =>
        HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden' }] }, { status: 403 }),
      ),
    );
    const { gateway, sleeps } = makeGateway();

    const error = await gateway.capabilities().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirRequestError);
    expect(error).toMatchObject({ status: 403, message: 'FHIR read CapabilityStatement failed with HTTP 403 (attempt 1/4)' });
    expect(sleeps).toEqual([]);
  });

  it('throws FhirAuthError for a 401 when there are no credentials to renew, without retrying', async () => {
    server.use(
      http.get(`${FHIR_BASE}/metadata`, () =>
        HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }, { status: 401 }),
      ),
    );
    const { gateway, sleeps } = makeGateway();

    const error = await gateway.capabilities().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirAuthError);
    expect(sleeps).toEqual([]);
  });

  it('throws FhirDataError for an answer that is not JSON', async () => {
    server.use(http.get(`${FHIR_BASE}/metadata`, () => new HttpResponse('<html>It works!</html>', { status: 200 })));

    await expect(makeGateway().gateway.capabilities()).rejects.toBeInstanceOf(FhirDataError);
  });
});
