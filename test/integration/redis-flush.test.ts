import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runtimeOptions } from '../../src/app/index.ts';
import { createRuntime, startWorker } from '../../src/queue/index.ts';
import { seedPopulation } from '../../tools/demo/population.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, duplicatedIdentifiers } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, until } from '../support/pipeline.ts';

/** Deletes every key under this prefix, as a flush would, and nothing else: other tests share this Redis. */
async function flushPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  }
  return deleted;
}

describe('a worker whose Redis loses its data mid-way', () => {
  const env = useTestEnvironment();

  it('queues the lost evaluations and sends again from PostgreSQL: every prompt delivered exactly once', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 80, seed: 41, asOf: new Date() });
    const total = expected.woundCare + expected.medicationCheckIn + expected.diabetes;
    await applyExampleCampaigns(env.db);
    // The deadline is far away: only the comparison with Redis's own jobs can find the lost work in time.
    const { config, services } = await createTestPipeline(env.db, env.fhir.baseUrl, { RECOVER_AFTER_SECONDS: '3600' });
    const observer = createRuntime(runtimeOptions(config));
    const redis = new Redis(config.redisUrl);
    // Work in Redis that no worker takes yet: sends of the first two campaigns, evaluations of the third.
    await observer.queues.send.pause();
    const worker = await startWorker(services, { ...runtimeOptions(config), maintenanceEveryMs: 200 });
    try {
      for (const campaignId of ['wound-care-after-sutures', 'new-medication-check-in']) {
        await observer.queues.poll.add('poll', { campaignId });
      }
      const owed = expected.woundCare + expected.medicationCheckIn;
      await until(async () => (await env.db.prompt.count({ where: { status: 'queued' } })) === owed, 'the first prompts queued');
      await observer.queues.evaluate.pause();
      await observer.queues.poll.add('poll', { campaignId: 'diabetes-self-management' });
      await until(
        async () => (await env.db.pollRun.count({ where: { campaignId: 'diabetes-self-management', status: 'completed' } })) === 1,
        'the diabetes poll',
      );
      expect(await env.db.candidate.count({ where: { campaignId: 'diabetes-self-management', evaluatedAt: null } })).toBeGreaterThan(0);
      expect(await communications(env.fhir.baseUrl)).toHaveLength(0);

      expect(await flushPrefix(redis, config.queue.prefix)).toBeGreaterThan(0);

      await until(async () => (await env.db.prompt.count({ where: { status: 'sent' } })) === total, 'every prompt sent');
      const sent = await communications(env.fhir.baseUrl);
      expect(sent).toHaveLength(total);
      expect(duplicatedIdentifiers(sent)).toEqual([]);
      expect(await env.db.prompt.count({ where: { status: { in: ['queued', 'failed'] } } })).toBe(0);
      expect(await env.db.candidate.count({ where: { evaluatedAt: null } })).toBe(0);
    } finally {
      await worker.stop();
      await flushPrefix(redis, config.queue.prefix);
      await observer.close();
      await redis.quit();
    }
  });
});
