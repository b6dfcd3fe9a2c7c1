/**
 * What the commands for people (review, retry; the HTTP API's later) need: the store, a way to hand prompts
 * to the worker's queues, the clock and the settings the policy reads. No FHIR, and Redis only once something
 * is queued (a rejection never needs it).
 */
import type { AdminConfig } from '../config/index.ts';
import { createLogger } from '../log/index.ts';
import type { Clock, Enqueue, Store } from '../pipeline/index.ts';
import { createRuntime, type Runtime } from '../queue/index.ts';
import { createDb } from '../store/index.ts';
import { createStorePort } from './store-port.ts';

export interface AdminServices {
  store: Store;
  enqueue: Enqueue;
  clock: Clock;
  config: Readonly<AdminConfig>;
}

export async function withAdminServices<T>(config: Readonly<AdminConfig>, use: (services: AdminServices) => Promise<T>): Promise<T> {
  const db = createDb(config.databaseUrl);
  let runtime: Runtime | undefined;
  const queues = () => {
    runtime ??= createRuntime({
      redisUrl: config.redisUrl,
      ...config.queue,
      concurrency: 1,
      logger: createLogger({ level: config.logLevel }),
    });
    return runtime.enqueue;
  };
  const enqueue: Enqueue = {
    evaluations: async (jobs) => (jobs.length > 0 ? queues().evaluations(jobs) : undefined),
    send: (job, delayMs) => queues().send(job, delayMs),
    deferredSend: (job, until, delayMs) => queues().deferredSend(job, until, delayMs),
    sends: async (jobs) => (jobs.length > 0 ? queues().sends(jobs) : undefined),
  };
  try {
    return await use({ store: createStorePort(db), enqueue, clock: () => new Date(), config });
  } finally {
    try {
      await runtime?.close();
    } finally {
      await db.$disconnect();
    }
  }
}
