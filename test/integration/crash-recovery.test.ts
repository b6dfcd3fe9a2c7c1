import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { seedPopulation } from '../../tools/demo/population.ts';
import { CAREPROMPT_FROM_SOURCE } from '../support/cli.ts';
import { useFaultyFhir } from '../support/environment.ts';
import { communications, duplicatedIdentifiers } from '../support/fhir-data.ts';
import { applyExampleCampaigns, TEST_DATABASE_URL, until } from '../support/pipeline.ts';

const QUEUE_PREFIX = `test-${randomUUID()}`;

/** `careprompt run --once` as a real process, as an operator would run it. */
function runOnceProcess(fhirBaseUrl: string): ChildProcess {
  return spawn(process.execPath, [...CAREPROMPT_FROM_SOURCE, 'run', '--once', '--json'], {
    env: {
      ...process.env,
      FHIR_BASE_URL: fhirBaseUrl,
      DATABASE_URL: TEST_DATABASE_URL,
      SENDER_REFERENCE: 'Organization/test-clinic',
      ORG_NAME: 'Test Clinic',
      ORG_REPLY_TIME: '2 business days',
      // The runs must send whatever the hour: quiet hours and caps have tests of their own.
      SEND_WINDOW: 'always',
      FREQUENCY_CAP: 'none',
      JOB_BACKOFF_MS: '50',
      FHIR_TIMEOUT_MS: '60000',
      // No overlap: what the first run handed on is found again only through PostgreSQL, not by re-searching.
      POLL_OVERLAP_SECONDS: '0',
      // The killed run's sends in flight hold their lease this long before the restart may send them.
      SEND_LEASE_SECONDS: '2',
      QUEUE_PREFIX,
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('a run killed mid-way and started again', () => {
  const env = useFaultyFhir();

  it('loses no prompt and sends none twice', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 100, seed: 33, asOf: new Date() });
    const total = expected.woundCare + expected.medicationCheckIn + expected.diabetes;
    await applyExampleCampaigns(env.db);
    // After 10 messages the server stops answering sends, so the first run cannot finish before it is killed.
    env.proxy.rules.push({ method: 'POST', path: /^\/Communication/, fault: 'hang', after: 10 });

    const first = runOnceProcess(env.proxy.baseUrl);
    await until(async () => (await communications(env.fhir.baseUrl)).length >= 10 && env.proxy.injected.hang >= 1, 'the first messages');
    first.kill('SIGKILL');
    await once(first, 'exit');
    const sentBeforeCrash = (await communications(env.fhir.baseUrl)).length;
    expect(sentBeforeCrash).toBe(10);
    expect(sentBeforeCrash).toBeLessThan(total);

    env.proxy.rules.length = 0;
    const second = runOnceProcess(env.proxy.baseUrl);
    let output = '';
    second.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    const [code] = await once(second, 'exit');
    expect(code).toBe(0);
    const summary = JSON.parse(output) as { recovered: { candidates: number; prompts: number } };
    expect(summary.recovered.candidates + summary.recovered.prompts).toBeGreaterThan(0);

    const sent = await communications(env.fhir.baseUrl);
    expect(sent).toHaveLength(total);
    expect(duplicatedIdentifiers(sent)).toEqual([]);
    expect(await env.db.prompt.count({ where: { status: 'sent' } })).toBe(total);
    expect(await env.db.prompt.count({ where: { status: { in: ['queued', 'failed'] } } })).toBe(0);
    expect(await env.db.candidate.count({ where: { evaluatedAt: null } })).toBe(0);

    // The killed run could not remove its queues; the second removed them, and its own.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      expect(await redis.keys(`${QUEUE_PREFIX}-once-*`)).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});
