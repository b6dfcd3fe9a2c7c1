/** The composition root: configuration in, connected services out. Nothing is built on import. */
import type { AdminConfig, Config } from '../config/index.ts';
import { createFhirCommunicationTransport } from '../delivery/index.ts';
import { createFhirGateway } from '../fhir/index.ts';
import { createLogger, type Logger } from '../log/index.ts';
import { createRuntime, type RuntimeOptions, type Services, sendJobsFor } from '../queue/index.ts';
import { loadTemplateRegistry } from '../render/index.ts';
import { createDb, type Db } from '../store/index.ts';

export async function buildServices(config: Readonly<Config>, logger: Logger, db: Db = createDb(config.databaseUrl)): Promise<Services> {
  const gateway = createFhirGateway({ ...config.fhir, logger });
  const templates = await loadTemplateRegistry(config.templatesDir);
  // Ids and files only: the reasons (which may quote template text) are for `campaigns validate` and `doctor`.
  for (const { template, file } of templates.problems()) {
    logger.error({ templateId: template, file }, 'templates: cannot be used; campaigns using it will not run until it is fixed');
  }
  return {
    db,
    gateway,
    templates,
    transport: createFhirCommunicationTransport(gateway, config.delivery),
    config,
    logger,
    clock: () => new Date(),
  };
}

export function runtimeOptions(config: Readonly<Config>): RuntimeOptions {
  return {
    redisUrl: config.redisUrl,
    prefix: config.queue.prefix,
    concurrency: config.queue.concurrency,
    attempts: config.queue.attempts,
    backoffMs: config.queue.backoffMs,
  };
}

/** Hands prompts to the worker's send queue (an approval, a retry), from a command that runs no workers itself. */
export async function queueSends(config: Readonly<AdminConfig>, promptIds: string[]): Promise<void> {
  if (promptIds.length === 0) return;
  const logger = createLogger({ level: config.logLevel });
  const runtime = createRuntime({ redisUrl: config.redisUrl, ...config.queue, concurrency: 1, logger });
  try {
    await runtime.enqueue.sends(sendJobsFor(promptIds));
  } finally {
    await runtime.close();
  }
}
