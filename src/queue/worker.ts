/**
 * The long-running mode: campaign schedules, the three workers, and the sweep that re-queues work whose job
 * was lost (see sweep.ts). Schedules follow the database, re-read every minute, so `campaigns apply` needs no restart.
 */
import { requeueUnfinishedWork, type Services } from '../pipeline/index.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';
import { syncSchedulers } from './schedulers.ts';

export interface WorkerOptions extends RuntimeOptions {
  /** How often schedules are re-synced and lost work swept. @defaultValue 60000 */
  maintenanceEveryMs?: number;
}

export interface RunningWorker {
  /** Settles when the FHIR server's credentials are refused: the worker should stop and say so. */
  fatal: Promise<Error>;
  /** Jobs in each queue by state, for the metrics. */
  depths: Runtime['depths'];
  stop(): Promise<void>;
}

export async function startWorker(services: Services, options: WorkerOptions): Promise<RunningWorker> {
  const runtime = createRuntime({ ...options, logger: services.logger });
  const logger = services.logger.child({ component: 'worker' });
  const maintain = async () => {
    const campaigns = (await services.store.listCampaigns()).map((stored) => stored.campaign);
    const schedules = await syncSchedulers(runtime.queues.poll, campaigns, logger);
    // Work Redis no longer holds is queued again at once; work it holds but never finishes, after the deadline.
    const now = services.clock().getTime();
    const queued = await runtime.queuedWork();
    const staleBefore = new Date(now - services.config.queue.recoverAfterMs);
    const requeued = await requeueUnfinishedWork({ store: services.store, enqueue: runtime.enqueue }, { staleBefore, queued, now });
    logger.info({ scheduled: schedules.upserted, unscheduled: schedules.removed, requeued }, 'worker: maintenance');
    if (schedules.failed.length > 0) logger.error({ campaignIds: schedules.failed }, 'worker: campaign schedules could not be written');
  };
  await maintain();
  runtime.startWorkers(services);
  const timer = setInterval(() => {
    maintain().catch((error: unknown) => logger.error({ err: error }, 'worker: maintenance failed'));
  }, options.maintenanceEveryMs ?? 60_000);
  return {
    fatal: runtime.fatal,
    depths: () => runtime.depths(),
    async stop() {
      clearInterval(timer);
      await runtime.close();
    },
  };
}
