import { describe, expect, it } from 'vitest';
import { runtimeOptions } from '../../src/app/index.ts';
import { createRuntime } from '../../src/queue/index.ts';
import { useFaultyFhir } from '../support/environment.ts';
import { patientWithFreshStitches } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, until } from '../support/pipeline.ts';
import { discardRuntime } from '../support/runtime.ts';

const HOUR_MS = 3_600_000;

describe('a rate-limit wait the FHIR server announces', () => {
  const env = useFaultyFhir();

  it('delays the job by that wait and spends none of its attempts', async () => {
    await applyExampleCampaigns(env.db);
    await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    // "Quota spent, reset in an hour": longer than the gateway waits within a request, so it is the queue's.
    env.proxy.rules.push({ method: 'GET', path: /^\/Procedure\?/, fault: 'rate-limit', retryAfterSeconds: 3600, times: 1 });
    // One attempt per job: a wait that spent it would fail the poll at once.
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl, { JOB_ATTEMPTS: '1' });
    const runtime = createRuntime({ ...runtimeOptions(pipeline.config), logger: pipeline.services.logger });
    try {
      runtime.startWorkers(pipeline.services);
      const job = await runtime.queues.poll.add('poll', { campaignId: 'wound-care-after-sutures' });
      const id = job.id ?? '';
      await until(async () => !['waiting', 'active'].includes(await runtime.queues.poll.getJobState(id)), 'the poll attempt to end');

      expect(env.proxy.injected['rate-limit']).toBe(1);
      expect(await runtime.queues.poll.getJobState(id)).toBe('delayed');
      const delayed = await runtime.queues.poll.getJob(id);
      expect(delayed?.attemptsMade).toBe(0);
      // Computed from the announced hour at the moment the job was moved; a few ms pass before BullMQ reads the clock.
      expect(delayed?.delay).toBeGreaterThan(HOUR_MS - 10_000);
      expect(delayed?.delay).toBeLessThanOrEqual(HOUR_MS);
    } finally {
      await discardRuntime(runtime);
      await pipeline.close();
    }
  });
});
