import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeOptions } from '../../src/app/index.ts';
import { FhirAuthError } from '../../src/fhir/index.ts';
import { createRuntime } from '../../src/queue/index.ts';
import { insertPrompts } from '../../src/store/index.ts';
import { careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, duplicatedIdentifiers, patientWithFreshStitches } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, TEST_DATABASE_URL, until } from '../support/pipeline.ts';
import { discardRuntime } from '../support/runtime.ts';

const RIGHT = `right-${randomUUID()}`;
const WRONG = `wrong-${randomUUID()}`;

/** A token endpoint (client_secret_basic) that knows one client, `careprompt` with the secret RIGHT. */
function startTokenEndpoint(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const expected = `Basic ${Buffer.from(`careprompt:${RIGHT}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    requests += 1;
    req.resume();
    req.on('end', () => {
      const ok = req.headers.authorization === expected;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { access_token: randomUUID(), token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' }));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/oauth2/token`,
        requests: () => requests,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

describe('credentials the EHR refuses', () => {
  const env = useTestEnvironment();
  let tokenEndpoint: Awaited<ReturnType<typeof startTokenEndpoint>>;
  beforeAll(async () => {
    tokenEndpoint = await startTokenEndpoint();
  });
  afterAll(() => tokenEndpoint.close());
  const clientWith = (secret: string) => ({
    FHIR_AUTH: 'client-credentials',
    FHIR_CLIENT_ID: 'careprompt',
    FHIR_CLIENT_SECRET: secret,
    FHIR_TOKEN_URL: tokenEndpoint.url,
  });

  it('stop the run at once, fail no work, and a run with the right secret delivers it exactly once', async () => {
    await applyExampleCampaigns(env.db);
    const { patient, procedure } = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    const [queued] = await insertPrompts(env.db, [
      {
        idempotencyKey: `auth-${randomUUID()}`,
        campaignId: 'wound-care-after-sutures',
        patientRef: `Patient/${patient.id}`,
        triggerRefs: [`Procedure/${procedure.id}`],
        evidence: {},
        templateId: 'wound-care',
        category: 'instruction',
        channel: 'fhir-communication',
        renderedText: 'Keep the stitches dry.',
        status: 'queued',
        decidedAt: new Date(),
      },
    ]);

    const refused = await (await createTestPipeline(env.db, env.fhir.baseUrl, clientWith(WRONG))).run().catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(FhirAuthError);
    expect(refused).toMatchObject({ code: 'invalid_client' });
    expect((refused as Error).message).toContain('check FHIR_CLIENT_ID and FHIR_CLIENT_SECRET');
    expect((refused as Error).message).not.toContain(WRONG);
    // No retries: at most one token request per job that ran (three polls and one send).
    expect(tokenEndpoint.requests()).toBeGreaterThanOrEqual(1);
    expect(tokenEndpoint.requests()).toBeLessThanOrEqual(4);
    expect(await env.db.prompt.findUniqueOrThrow({ where: { id: queued?.id } })).toMatchObject({ status: 'queued' });
    expect(await env.db.prompt.count({ where: { status: 'failed' } })).toBe(0);
    expect(await communications(env.fhir.baseUrl)).toEqual([]);

    const summary = await (await createTestPipeline(env.db, env.fhir.baseUrl, clientWith(RIGHT))).run();

    expect(summary.totals).toMatchObject({ failed: 0, sent: 1 });
    expect(summary.recovered.prompts).toBe(1);
    expect(await env.db.prompt.findUniqueOrThrow({ where: { id: queued?.id } })).toMatchObject({ status: 'sent' });
    const sent = await communications(env.fhir.baseUrl);
    expect(sent).toHaveLength(2);
    expect(duplicatedIdentifiers(sent)).toEqual([]);
  });

  it('leave only the error name and code in Redis, never the token URL or the variables named', async () => {
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, clientWith(WRONG));
    const runtime = createRuntime({ ...runtimeOptions(pipeline.config), logger: pipeline.services.logger });
    const redis = new Redis(pipeline.config.redisUrl);
    // BullMQ keeps a failed job's reason in the queue's event stream, even once the job itself is removed.
    const failedReasons = async () =>
      (await redis.xrange(`${pipeline.config.queue.prefix}:poll:events`, '-', '+'))
        .map(([, fields]) => Object.fromEntries(fields.flatMap((field, i) => (i % 2 === 0 ? [[field, fields[i + 1]]] : []))))
        .filter((event) => event.event === 'failed')
        .map((event) => event.failedReason);
    try {
      runtime.startWorkers(pipeline.services);
      await runtime.queues.poll.add('poll', { campaignId: 'wound-care-after-sutures' });
      await expect(runtime.fatal).resolves.toBeInstanceOf(FhirAuthError);
      await until(async () => (await failedReasons()).length > 0, 'the failed poll in the event stream');

      expect(await failedReasons()).toEqual(['FhirAuthError (invalid_client)']);
    } finally {
      await discardRuntime(runtime);
      await redis.quit();
      await pipeline.close();
    }
  });

  it('make `careprompt run --once` exit 1 naming the variables to check, never the secret', async () => {
    const result = await careprompt(['run', '--once'], {
      FHIR_BASE_URL: env.fhir.baseUrl,
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: `test-${randomUUID()}`,
      SENDER_REFERENCE: 'Organization/test-clinic',
      ORG_NAME: 'Test Clinic',
      ORG_REPLY_TIME: '2 business days',
      // The runs must send whatever the hour: quiet hours and caps have tests of their own.
      SEND_WINDOW: 'always',
      FREQUENCY_CAP: 'none',
      LOG_LEVEL: 'silent',
      ...clientWith(WRONG),
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('careprompt: failed: FhirAuthError: the token endpoint');
    expect(result.stderr).toContain('(invalid_client): check FHIR_CLIENT_ID and FHIR_CLIENT_SECRET');
    expect(result.stderr + result.stdout).not.toContain(WRONG);
  });
});
