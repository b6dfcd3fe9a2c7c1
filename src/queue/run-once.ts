/**
 * One poll of the active campaigns with every resulting job processed to completion. Each run uses its own
 * queue prefix, so it never waits on a long-running worker's schedules, and removes it when done (the queues
 * of a run that was killed are removed by the next, see run-prefix.ts); PostgreSQL still deduplicates
 * everything across runs and workers.
 *
 * With `externalWorkers`, the run is only the coordinator: it enqueues the polls on the prefix as given and
 * waits for idle, while worker processes (`createRuntime(...).startWorkers`, same prefix, no schedulers)
 * share the jobs. That prefix must hold no schedules, or the run would never see the queues idle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { throttledErrorReporter } from '../log/index.ts';
import {
  type PollOutcome,
  type RunSummary,
  requeueUnfinishedWork,
  type Services,
  summariseCampaigns,
  totalsOf,
} from '../pipeline/index.ts';
import { claimRunPrefix, removeAbandonedRuns } from './run-prefix.ts';
import { createRuntime, isIdle, type RuntimeOptions } from './runtime.ts';

export interface RunOnceOptions extends Omit<RuntimeOptions, 'prefix'> {
  prefix: string;
  campaignIds: string[];
  /** How often to check whether all jobs are done. @defaultValue 100 */
  idleCheckMs?: number;
  /** Jobs are run by other processes on `prefix`; this one only enqueues and waits. @defaultValue false */
  externalWorkers?: boolean;
}

export async function runOnce(services: Services, options: RunOnceOptions): Promise<RunSummary> {
  const external = options.externalWorkers ?? false;
  if (external) return runWith(services, options, options.prefix);
  const redis = new Redis(options.redisUrl);
  redis.on('error', throttledErrorReporter(services.logger, 'run: redis connection error; retrying'));
  try {
    const own = await claimRunPrefix(redis, options.prefix);
    try {
      const abandoned = await removeAbandonedRuns(redis, options.prefix);
      if (abandoned > 0) services.logger.info({ runs: abandoned }, 'run: removed the queues of runs that were killed');
      return await runWith(services, options, own.prefix);
    } finally {
      await own.release();
    }
  } finally {
    await redis.quit();
  }
}

async function runWith(services: Services, options: RunOnceOptions, prefix: string): Promise<RunSummary> {
  const startedAt = services.clock();
  const external = options.externalWorkers ?? false;
  const runtime = createRuntime({ ...options, prefix, logger: services.logger });
  // Campaign id → its completed poll's run id (undefined: the campaign was inactive).
  const polls = new Map<string, string | undefined>();
  const removeQueues = () => Promise.all(Object.values(runtime.queues).map((queue) => queue.obliterate({ force: true })));
  try {
    const workers = external ? undefined : runtime.startWorkers(services);
    workers?.poll.on('completed', (job, result: PollOutcome) => polls.set(job.data.campaignId, result.pollRunId));

    const recovered = await requeueUnfinishedWork(
      { store: services.store, enqueue: runtime.enqueue },
      { staleBefore: startedAt, now: startedAt.getTime() },
    );
    await runtime.queues.poll.addBulk(options.campaignIds.map((campaignId) => ({ name: 'poll', data: { campaignId } })));
    // A FhirAuthError stops the run at once: every other request would be refused too. What it left undone
    // stays in PostgreSQL (prompts queued, candidates not evaluated) for the next run.
    let fatal: Error | undefined;
    void runtime.fatal.then((error) => {
      fatal = error;
    });
    // Idle is checked poll → evaluate → send: each stage only feeds the next, so once all three read empty
    // in that order nothing can appear again.
    while (!fatal && !(await isIdle(runtime.queues))) await sleep(options.idleCheckMs ?? 100);
    if (fatal) {
      if (workers) {
        // The jobs in progress end first (each is refused quickly), so none runs on in removed queues.
        await Promise.all(Object.values(workers).map((worker) => worker.close()));
        await removeQueues();
      }
      throw fatal;
    }
    if (external) {
      // The polls ran elsewhere: their outcomes are the runs they completed in PostgreSQL.
      for (const run of await services.store.findPollRunsSince(options.campaignIds, startedAt, 'completed'))
        polls.set(run.campaignId, run.id);
    } else {
      await removeQueues();
    }

    const finishedAt = services.clock();
    const campaigns = await summariseCampaigns(services.store, options.campaignIds, polls, finishedAt);
    return {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      recovered,
      campaigns,
      totals: totalsOf(campaigns),
      fhirRequests: services.gateway.counts(),
    };
  } finally {
    await runtime.close();
  }
}
