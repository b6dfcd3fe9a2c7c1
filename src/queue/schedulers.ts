/** One BullMQ Job Scheduler per active campaign (cron + timezone); inactive or removed campaigns lose theirs. */
import type { Queue } from 'bullmq';
import type { Campaign } from '../campaigns/index.ts';
import type { Logger } from '../log/index.ts';
import type { PollWork } from '../pipeline/index.ts';

const SCHEDULER_PREFIX = 'campaign-';

export interface SchedulerSync {
  upserted: string[];
  removed: string[];
  /** Campaigns whose scheduler could not be written; the others are not held back by them. */
  failed: string[];
}

/** A scheduler that cannot be written is logged (with the error's name and code) and reported in `failed`. */
export async function syncSchedulers(pollQueue: Queue, campaigns: Campaign[], logger: Logger): Promise<SchedulerSync> {
  const active = campaigns.filter((campaign) => campaign.active);
  const wanted = new Set(active.map((campaign) => SCHEDULER_PREFIX + campaign.id));
  const upserted: string[] = [];
  const failed: string[] = [];
  for (const campaign of active) {
    const data: PollWork = { campaignId: campaign.id };
    try {
      await pollQueue.upsertJobScheduler(
        SCHEDULER_PREFIX + campaign.id,
        { pattern: campaign.schedule.cron, tz: campaign.schedule.timezone },
        { name: 'poll', data },
      );
      upserted.push(campaign.id);
    } catch (error) {
      logger.warn({ campaignId: campaign.id, err: error }, 'schedulers: campaign schedule not written');
      failed.push(campaign.id);
    }
  }
  const removed: string[] = [];
  for (const scheduler of await pollQueue.getJobSchedulers()) {
    const id = scheduler.key;
    if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) {
      await pollQueue.removeJobScheduler(id);
      removed.push(id.slice(SCHEDULER_PREFIX.length));
    }
  }
  return { upserted, removed, failed };
}
