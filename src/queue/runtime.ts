/**
 * The only place that knows BullMQ: builds the three queues and their workers over the pipeline's stages, and
 * translates the pipeline's failures into BullMQ's (permanent → UnrecoverableError; transient retries; a wait the
 * server announced → the job moved to delayed, which spends no attempt). A fatal
 * failure (the FHIR server refuses careprompt's credentials) is not the job's fault: the job ends without
 * recording anything as failed (its work is recovered by the sweep once the credentials are fixed) and the
 * runtime reports it as `fatal`.
 */
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { z } from 'zod';
import { createLogger, errorFields, type Logger, throttledErrorReporter } from '../log/index.ts';
import { type Instruments, NO_INSTRUMENTS } from '../metrics/index.ts';
import {
  abandonEvaluation,
  abandonSend,
  announcedWaitMs,
  type Context,
  candidateKey,
  countOf,
  type Enqueue,
  EvaluateWork,
  evaluateCandidates,
  failureKind,
  PollWork,
  pollCampaign,
  type QueuedWork,
  retryDelayMs,
  SendWork,
  type Services,
  sendPrompts,
} from '../pipeline/index.ts';
import { isDeferredSend, jobIds, QUEUE_NAMES, type QueueName } from './jobs.ts';

export interface RuntimeOptions {
  redisUrl: string;
  /** Redis key prefix: separate prefixes are separate, independent pipelines. */
  prefix: string;
  /** Parallel jobs per worker for evaluate and send (polls run one at a time per process). */
  concurrency: number;
  /** Attempts per job before it fails for good. */
  attempts: number;
  /** First retry delay; doubles each attempt, and waits at least as long as a channel asks. @defaultValue 1000 */
  backoffMs?: number;
  /** Where connection and job errors are logged. @defaultValue a JSON logger on stderr */
  logger?: Logger;
  /** Told how long each job attempt ran. @defaultValue none */
  instruments?: Instruments;
}

export type Queues = Record<QueueName, Queue>;

/** The jobs' backoff: the pipeline's retry delay (see retryDelayMs), computed by each worker. */
const RETRY_BACKOFF = 'careprompt';

export interface Runtime {
  queues: Queues;
  enqueue: Enqueue;
  /** The candidates and prompts the evaluate and send jobs now in Redis refer to (for the sweep). */
  queuedWork(): Promise<QueuedWork>;
  /** Starts consuming jobs; returns the workers (their events report outcomes). */
  startWorkers(services: Services): Record<QueueName, Worker>;
  /** Settles with the first failure that must stop the whole pipeline (the FHIR server's credentials refused). */
  fatal: Promise<Error>;
  /** Jobs in each queue by state, for the metrics. */
  depths(): Promise<Array<{ queue: string; state: string; count: number }>>;
  close(): Promise<void>;
}

export function createRuntime(options: RuntimeOptions): Runtime {
  const logger = (options.logger ?? createLogger()).child({ prefix: options.prefix });
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  // Every emitter gets a listener: without one, ioredis prints raw stack traces and BullMQ's re-emitted errors
  // crash the process. One reporter for all of them (the queues and workers re-emit the connection's errors),
  // throttled: while Redis is down they repeat on every reconnection attempt.
  const redisError = throttledErrorReporter(logger, 'redis: connection error; retrying');
  connection.on('error', redisError);
  const backoffMs = options.backoffMs ?? 1000;
  const defaultJobOptions = {
    attempts: options.attempts,
    backoff: { type: RETRY_BACKOFF, delay: backoffMs },
    removeOnComplete: true,
    // PostgreSQL records every failure; a failed job kept in Redis would only block its id from being queued again.
    removeOnFail: true,
  };
  const queue = (name: QueueName) =>
    new Queue(QUEUE_NAMES[name], { connection, prefix: options.prefix, defaultJobOptions }).on('error', redisError);
  const queues: Queues = { poll: queue('poll'), evaluate: queue('evaluate'), send: queue('send') };
  const workers: Worker[] = [];
  let reportFatal: (error: Error) => void = () => {};
  const fatal = new Promise<Error>((resolve) => {
    reportFatal = resolve;
  });

  const enqueue: Enqueue = {
    async evaluations(jobs) {
      if (jobs.length === 0) return;
      await queues.evaluate.addBulk(jobs.map((data) => ({ name: 'evaluate', data, opts: { jobId: jobIds.evaluate(data) } })));
    },
    async send(data, delayMs) {
      await queues.send.add('send', data, { jobId: jobIds.send(data), ...(delayMs ? { delay: delayMs } : {}) });
    },
    async deferredSend(data, until, delayMs) {
      await queues.send.add('send', data, { jobId: jobIds.deferredSend(data, until), delay: delayMs });
    },
    async sends(jobs) {
      if (jobs.length === 0) return;
      await queues.send.addBulk(jobs.map((data) => ({ name: 'send', data, opts: { jobId: jobIds.send(data) } })));
    },
  };

  /**
   * A worker over one handler. When a job fails for good (a permanent error, or its last attempt), `giveUp`
   * records that in PostgreSQL, so nothing waits for it in silence. Errors reach Redis (BullMQ keeps the
   * failure reason) only as safe text: database driver errors can echo the values of a query.
   */
  function worker<T>(
    name: QueueName,
    schema: z.ZodType<T>,
    concurrency: number,
    handle: (data: T) => Promise<unknown>,
    giveUp: (data: T, error: unknown) => Promise<void>,
    services: Services,
  ) {
    const created = new Worker(
      QUEUE_NAMES[name],
      async (job: Job, token?: string) => {
        const parsed = schema.safeParse(job.data);
        if (!parsed.success)
          throw new UnrecoverableError(`job ${job.id} has a malformed payload at ${parsed.error.issues[0]?.path.join('.')}`);
        try {
          return await handle(parsed.data);
        } catch (error) {
          const kind = failureKind(error);
          if (kind === 'fatal') {
            const stop = error instanceof Error ? error : new Error(String(error));
            reportFatal(stop);
            // Its message names the token URL and the variables to check: for the operator, not for Redis.
            throw Object.assign(new UnrecoverableError(safeMessage(stop)), { cause: stop });
          }
          if (kind === 'transient') {
            const dueForMs = Date.now() - (job.timestamp + (job.opts.delay ?? 0));
            const waitMs = announcedWaitMs(error, dueForMs, services.config.queue.expireAfterMs);
            if (waitMs !== undefined) {
              await job.moveToDelayed(Date.now() + waitMs, token);
              services.logger.info({ queue: name, jobId: job.id, waitMs, err: error }, 'job waits as the server announced');
              throw new DelayedError();
            }
          }
          const permanent = kind === 'permanent';
          if (permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await giveUp(parsed.data, error);
          const safe = safeMessage(error);
          // The cause stays in this process for the log line; BullMQ stores only the message in Redis.
          throw Object.assign(permanent ? new UnrecoverableError(safe) : new Error(safe), { cause: error });
        }
      },
      {
        connection,
        prefix: options.prefix,
        concurrency,
        // `err` is the error the processor threw; the pipeline's own error is its cause.
        settings: { backoffStrategy: (attemptsMade, _type, err) => retryDelayMs(err, attemptsMade, backoffMs) },
      },
    );
    workers.push(created);
    return created;
  }

  async function queuedWork(): Promise<QueuedWork> {
    const work: QueuedWork = { candidates: new Set(), promptIds: new Set() };
    await forEachJob(queues.evaluate, (data) => {
      const job = EvaluateWork.safeParse(data);
      if (!job.success) return;
      for (const { triggerRef } of job.data.candidates) work.candidates.add(candidateKey({ pollRunId: job.data.pollRunId, triggerRef }));
    });
    await forEachJob(queues.send, (data) => {
      const job = SendWork.safeParse(data);
      for (const promptId of job.success ? job.data.promptIds : []) work.promptIds.add(promptId);
    });
    return work;
  }

  return {
    queues,
    enqueue,
    fatal,
    queuedWork,
    startWorkers(services) {
      const ctx: Context = { ...services, enqueue };
      const log = (name: QueueName) => services.logger.child({ queue: name });
      const started = {
        // The poll stage records its own failure (the poll run), and the watermark stays put.
        poll: worker(
          'poll',
          PollWork,
          1,
          (data) => pollCampaign(data, ctx),
          async () => {},
          services,
        ),
        evaluate: worker(
          'evaluate',
          EvaluateWork,
          options.concurrency,
          (data) => evaluateCandidates(data, ctx),
          (data) => abandonEvaluation(data, ctx),
          services,
        ),
        send: worker(
          'send',
          SendWork,
          options.concurrency,
          // BullMQ keeps a job's return value as JSON: the counts, not the Map.
          async (data) => countOf(await sendPrompts(data, ctx)),
          (data, error) => abandonSend(data, error, ctx),
          services,
        ),
      };
      const instruments = options.instruments ?? NO_INSTRUMENTS;
      const ran = (job: Job | undefined) => ((job?.finishedOn ?? Date.now()) - (job?.processedOn ?? Date.now())) / 1000;
      for (const [name, created] of Object.entries(started) as Array<[QueueName, Worker]>) {
        created.on('completed', (job) => instruments.jobFinished(name, 'completed', ran(job)));
        created.on('failed', (job) => instruments.jobFinished(name, 'failed', ran(job)));
        created.on('failed', (job, error) =>
          log(name).warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: error.cause ?? error }, 'job attempt failed'),
        );
        created.on('error', redisError);
      }
      return started;
    },
    async depths() {
      const counted = await Promise.all(
        (Object.entries(queues) as Array<[QueueName, Queue]>).map(async ([name, queue]) =>
          Object.entries(await queue.getJobCounts(...DEPTH_STATES)).map(([state, count]) => ({ queue: name, state, count })),
        ),
      );
      return counted.flat();
    },
    async close() {
      await Promise.all(workers.map((created) => created.close()));
      await Promise.all(Object.values(queues).map((created) => created.close()));
      await connection.quit();
    },
  };
}

const DEPTH_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;
const UNFINISHED_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children'] as const;
const JOB_PAGE = 1_000;

/** Reads the data of every unfinished job of the queue, a page of one state at a time. */
async function forEachJob(queue: Queue, visit: (data: unknown) => void): Promise<void> {
  for (const state of UNFINISHED_STATES) {
    for (let start = 0; ; start += JOB_PAGE) {
      const jobs = await queue.getJobs([state], start, start + JOB_PAGE - 1, true);
      for (const job of jobs) if (job) visit(job.data);
      if (jobs.length < JOB_PAGE) break;
    }
  }
}

/**
 * True when no job is waiting, running or scheduled for a retry, checked in pipeline order (see runOnce). A
 * deferral's re-queue does not count: it may be due tomorrow, and its prompts stay queued in PostgreSQL with
 * their not-before time, for the next run's recovery or a worker's sweep.
 *
 * Each queue's states are read in one atomic count. Reading them one after another would miss a retry that is
 * promoted from delayed to waiting between the two reads, and end the run before its last try.
 */
export async function isIdle(queues: Queues): Promise<boolean> {
  for (const name of ['poll', 'evaluate', 'send'] as const) {
    const { delayed = 0, ...others } = await queues[name].getJobCounts(
      'waiting',
      'active',
      'prioritized',
      'waiting-children',
      'paused',
      'delayed',
    );
    if (Object.values(others).some((count) => count > 0)) return false;
    // Every delayed job must still be a deferral not yet run: one that left the set since the count was promoted.
    if (delayed > 0 && (await deferralsNotYetRun(queues[name])) !== delayed) return false;
  }
  return true;
}

/** How many of the queue's delayed jobs are deferrals' re-queues that have not run yet. */
async function deferralsNotYetRun(queue: Queue): Promise<number> {
  let count = 0;
  for (let start = 0; ; start += JOB_PAGE) {
    const jobs = await queue.getJobs(['delayed'], start, start + JOB_PAGE - 1, true);
    for (const job of jobs) if (job && isDeferredSend(job.id) && job.processedOn === undefined) count += 1;
    if (jobs.length < JOB_PAGE) return count;
  }
}

/** The failure text BullMQ keeps in Redis: the error's name and code, never its message. */
function safeMessage(error: unknown): string {
  const { name, code } = errorFields(error);
  return code ? `${name} (${code})` : name;
}
