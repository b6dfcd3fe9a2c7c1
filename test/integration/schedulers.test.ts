import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCampaigns } from '../../src/campaigns/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { createRuntime, type Runtime, syncSchedulers } from '../../src/queue/index.ts';
import { discardRuntime } from '../support/runtime.ts';

describe('campaign schedules', () => {
  let runtime: Runtime;

  beforeAll(() => {
    runtime = createRuntime({ redisUrl: 'redis://127.0.0.1:6379', prefix: `test-${randomUUID()}`, concurrency: 1, attempts: 1 });
  });
  afterAll(async () => {
    await discardRuntime(runtime);
  });

  it('keeps one job scheduler per active campaign, with its cron and time zone', async () => {
    const campaigns = (await loadCampaigns('jobs')).map((loaded) => loaded.campaign);
    await syncSchedulers(runtime.queues.poll, campaigns, silentLogger);
    // Upserting again (a restart) must not add a second scheduler.
    await syncSchedulers(runtime.queues.poll, campaigns, silentLogger);
    const schedulers = await runtime.queues.poll.getJobSchedulers();
    expect(schedulers.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz })).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'campaign-after-ed-visit', pattern: '0 8-20/2 * * *', tz: 'America/New_York' },
      { key: 'campaign-blood-pressure-follow-up', pattern: '0 9-17/4 * * *', tz: 'America/New_York' },
      { key: 'campaign-diabetes-self-management', pattern: '30 9 * * 1', tz: 'America/New_York' },
      { key: 'campaign-hba1c-care-gap', pattern: '0 10 * * 1', tz: 'America/New_York' },
      { key: 'campaign-new-medication-check-in', pattern: '0 10 * * *', tz: 'America/New_York' },
      { key: 'campaign-wound-care-after-sutures', pattern: '0 8-18/2 * * *', tz: 'America/New_York' },
    ]);
    const [next] = await runtime.queues.poll.getDelayed();
    expect(next?.data).toHaveProperty('campaignId');

    const deactivated = campaigns.map((campaign) =>
      campaign.id === 'new-medication-check-in' ? { ...campaign, active: false } : campaign,
    );
    const result = await syncSchedulers(runtime.queues.poll, deactivated, silentLogger);
    expect(result.removed).toEqual(['new-medication-check-in']);
    expect((await runtime.queues.poll.getJobSchedulers()).map((s) => s.key).sort()).toEqual([
      'campaign-after-ed-visit',
      'campaign-blood-pressure-follow-up',
      'campaign-diabetes-self-management',
      'campaign-hba1c-care-gap',
      'campaign-wound-care-after-sutures',
    ]);
  });
});
