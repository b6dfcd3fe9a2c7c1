import { describe, expect, it } from 'vitest';
import { runtimeOptions } from '../../src/app/index.ts';
import { createRuntime, startWorker } from '../../src/queue/index.ts';
import { seedPopulation } from '../../tools/demo/population.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, until } from '../support/pipeline.ts';
import { discardRuntime } from '../support/runtime.ts';

describe('the long-running worker', () => {
  const env = useTestEnvironment();

  it('schedules every active campaign and processes a fired poll through to sent messages', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 60, seed: 17, asOf: new Date() });
    await applyExampleCampaigns(env.db);
    const { config, services } = await createTestPipeline(env.db, env.fhir.baseUrl);
    const worker = await startWorker(services, runtimeOptions(config));
    // A second handle on the same queues, as another process would have.
    const observer = createRuntime(runtimeOptions(config));
    try {
      const schedulers = await observer.queues.poll.getJobSchedulers();
      expect(schedulers.map((scheduler) => scheduler.key).sort()).toEqual([
        'campaign-diabetes-self-management',
        'campaign-new-medication-check-in',
        'campaign-wound-care-after-sutures',
      ]);

      // What the wound-care scheduler does when its cron fires.
      await observer.queues.poll.add('poll', { campaignId: 'wound-care-after-sutures' });
      await until(async () => (await env.db.prompt.count({ where: { status: 'sent' } })) === expected.woundCare, 'the wound-care messages');

      expect(await communications(env.fhir.baseUrl)).toHaveLength(expected.woundCare);
      expect(await env.db.pollRun.count({ where: { campaignId: 'wound-care-after-sutures', status: 'completed' } })).toBe(1);
    } finally {
      await worker.stop();
      await discardRuntime(observer);
    }
  });
});
