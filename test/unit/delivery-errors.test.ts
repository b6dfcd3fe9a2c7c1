import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { createFhirCommunicationTransport, DeliveryRejected, DeliveryTransient, type OutgoingMessage } from '../../src/delivery/index.ts';
import { createFhirGateway, FhirAuthError } from '../../src/fhir/index.ts';
import { FHIR_BASE, useMswServer } from '../support/msw.ts';

const server = useMswServer();

const message: OutgoingMessage = {
  key: 'prompt-key-1',
  patientRef: 'Patient/p1',
  aboutRefs: ['Procedure/s1'],
  category: 'instruction',
  text: 'Keep the wound dry for two days.',
};

function transport() {
  const gateway = createFhirGateway({ baseUrl: FHIR_BASE, maxAttempts: 1, sleep: async () => {}, random: () => 0.5 });
  return createFhirCommunicationTransport(gateway, { senderReference: 'Organization/o1', identifierSystem: 'urn:careprompt:prompt' });
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the delivery to fail');
    },
    (error: unknown) => error,
  );

describe('the FHIR Communication transport, in channel-neutral terms', () => {
  it('names its channel and returns the created Communication id as the external id', async () => {
    server.use(
      http.post(`${FHIR_BASE}/Communication`, () => HttpResponse.json({ resourceType: 'Communication', id: 'comm-1' }, { status: 201 })),
    );
    const fhir = transport();

    expect(fhir.channel).toBe('fhir-communication');
    await expect(fhir.send(message)).resolves.toEqual({ externalId: 'comm-1' });
  });

  it('turns a refusal into DeliveryRejected: the status in its message, the server explanation only in its reason', async () => {
    server.use(
      http.post(`${FHIR_BASE}/Communication`, () =>
        HttpResponse.json(
          {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'recipient has no portal account' }],
          },
          { status: 422 },
        ),
      ),
    );

    const error = await failureOf(transport().send(message));

    expect(error).toBeInstanceOf(DeliveryRejected);
    const rejected = error as DeliveryRejected;
    expect(rejected.message).toContain('422');
    expect(rejected.message).not.toContain('portal account');
    expect(rejected.reason).toContain('recipient has no portal account');
    // What a log serializer copies (enumerable fields) never holds the server's words.
    expect(JSON.stringify({ ...rejected })).not.toContain('portal account');
  });

  it('turns an answer without an id into DeliveryRejected', async () => {
    server.use(http.post(`${FHIR_BASE}/Communication`, () => HttpResponse.json({ resourceType: 'Communication' }, { status: 201 })));

    expect(await failureOf(transport().send(message))).toBeInstanceOf(DeliveryRejected);
  });

  it('turns an overloaded server into DeliveryTransient carrying the wait it asked for', async () => {
    server.use(http.post(`${FHIR_BASE}/Communication`, () => new HttpResponse('busy', { status: 503, headers: { 'retry-after': '7' } })));

    const error = await failureOf(transport().send(message));

    expect(error).toBeInstanceOf(DeliveryTransient);
    expect((error as DeliveryTransient).retryAfterMs).toBe(7000);
  });

  it('turns a network failure in the lookup of an earlier delivery into DeliveryTransient', async () => {
    server.use(http.get(`${FHIR_BASE}/Communication`, () => HttpResponse.error()));

    expect(await failureOf(transport().findDelivered('prompt-key-1'))).toBeInstanceOf(DeliveryTransient);
  });

  it('lets FhirAuthError through unchanged: the run must stop, not the message fail', async () => {
    server.use(http.post(`${FHIR_BASE}/Communication`, () => new HttpResponse(null, { status: 401 })));

    expect(await failureOf(transport().send(message))).toBeInstanceOf(FhirAuthError);
  });

  it('finds an earlier delivery by the key, with its external id and sent time', async () => {
    server.use(
      http.get(`${FHIR_BASE}/Communication`, ({ request }) => {
        const identifier = new URL(request.url).searchParams.get('identifier');
        const entry =
          identifier === 'urn:careprompt:prompt|prompt-key-1'
            ? [{ resource: { resourceType: 'Communication', id: 'comm-9', sent: '2026-11-30T10:00:00Z' } }]
            : [];
        return HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', entry });
      }),
    );

    await expect(transport().findDelivered('prompt-key-1')).resolves.toEqual({
      externalId: 'comm-9',
      sentAt: new Date('2026-11-30T10:00:00Z'),
    });
    await expect(transport().findDelivered('other-key')).resolves.toBeUndefined();
  });
});
