/** One BullMQ Job Scheduler per active campaign (cron + timezone); inactive or removed campaigns lose theirs. */
import type { Queue } from 'bullmq';
import type { Campaign } from '../campaigns/index.ts';
import type { PollJob } from './jobs.ts';

const SCHEDULER_PREFIX = 'campaign-';

export async function syncSchedulers(pollQueue: Queue, campaigns: Campaign[]): Promise<{ upserted: string[]; removed: string[] }> {
  const active = campaigns.filter((campaign) => campaign.active);
  const wanted = new Set(active.map((campaign) => SCHEDULER_PREFIX + campaign.id));
  for (const campaign of active) {
    const data: PollJob = { campaignId: campaign.id };
    await pollQueue.upsertJobScheduler(
      SCHEDULER_PREFIX + campaign.id,
      { pattern: campaign.schedule.cron, tz: campaign.schedule.timezone },
      { name: 'poll', data },
    );
  }
  const removed: string[] = [];
  for (const scheduler of await pollQueue.getJobSchedulers()) {
    const id = scheduler.key;
    if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) {
      await pollQueue.removeJobScheduler(id);
      removed.push(id.slice(SCHEDULER_PREFIX.length));
    }
  }
  return { upserted: active.map((campaign) => campaign.id), removed };
}
