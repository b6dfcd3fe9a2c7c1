/**
 * What `careprompt serve` runs on: the engine's services (store, FHIR gateway, templates, for previews and the
 * readiness check), a way to queue work for the worker (Redis connected on first use), and the readiness checks.
 */
import { Redis } from 'ioredis';
import type { CampaignCheck } from '../campaigns/index.ts';
import type { Config } from '../config/index.ts';
import { type Logger, throttledErrorReporter } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Enqueue } from '../pipeline/index.ts';
import { createRuntime, type Runtime } from '../queue/index.ts';
import { createDb } from '../store/index.ts';
import { templateCheck } from './campaign-check.ts';
import { buildMetrics } from './metrics.ts';
import { type AppServices, buildServices, runtimeOptions } from './services.ts';

/** A readiness check that has not answered by then counts as failing: /readyz must answer a probe quickly. */
const READINESS_TIMEOUT_MS = 5000;

export interface ServeServices extends AppServices {
  enqueue: Enqueue;
  metrics: Metrics;
  campaignCheck: CampaignCheck;
  readiness(): Promise<Array<{ name: string; ok: boolean }>>;
}

export async function openServeServices(config: Readonly<Config>, logger: Logger): Promise<ServeServices> {
  const db = createDb(config.databaseUrl);
  let runtime: Runtime | undefined;
  const connected = () => {
    runtime ??= createRuntime({ ...runtimeOptions(config), concurrency: 1, logger });
    return runtime;
  };
  const queues = () => connected().enqueue;
  const metrics = buildMetrics(db, () => connected().depths());
  const services = await buildServices(config, logger, db, metrics.instruments);
  const enqueue: Enqueue = {
    evaluations: async (jobs) => (jobs.length > 0 ? queues().evaluations(jobs) : undefined),
    send: (job, delayMs) => queues().send(job, delayMs),
    deferredSend: (job, until, delayMs) => queues().deferredSend(job, until, delayMs),
    sends: async (jobs) => (jobs.length > 0 ? queues().sends(jobs) : undefined),
  };
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', throttledErrorReporter(logger, 'readiness: Redis connection error'));
  const checks: Record<string, () => Promise<unknown>> = {
    postgresql: () => services.db.$queryRaw`SELECT 1`,
    redis: () => redis.ping(),
    fhir: () => services.gateway.capabilities(),
  };
  return {
    ...services,
    enqueue,
    metrics,
    campaignCheck: templateCheck(services.templates, config.templatesDir),
    readiness: () =>
      Promise.all(Object.entries(checks).map(async ([name, check]) => ({ name, ok: await answersInTime(check, name, logger) }))),
    async close() {
      redis.disconnect();
      await runtime?.close();
      await services.close();
      await db.$disconnect();
    },
  };
}

async function answersInTime(check: () => Promise<unknown>, name: string, logger: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => true), timeout]);
  } catch (error) {
    logger.warn({ check: name, errorName: error instanceof Error ? error.name : typeof error }, 'readiness: check failing');
    return false;
  } finally {
    clearTimeout(timer);
  }
}
