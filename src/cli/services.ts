/** The composition root: configuration in, connected services out. Nothing is built on import. */
import type { Config } from '../config/index.ts';
import { createFhirCommunicationTransport } from '../delivery/index.ts';
import { createAccessTokens, createFhirGateway, type FhirGateway } from '../fhir/index.ts';
import type { Logger } from '../log/index.ts';
import type { RuntimeOptions, Services } from '../queue/index.ts';
import { loadTemplateRegistry } from '../render/index.ts';
import { createDb, type Db } from '../store/index.ts';

/** The one way to build the FHIR gateway, so `doctor` talks to the server exactly as the engine does. */
export function buildGateway(config: Readonly<Config>, logger: Logger): FhirGateway {
  const accessTokens = createAccessTokens(config.fhir.auth, config.fhir);
  return createFhirGateway({ ...config.fhir, logger, accessTokens });
}

export async function buildServices(config: Readonly<Config>, logger: Logger, db: Db = createDb(config.databaseUrl)): Promise<Services> {
  const gateway = buildGateway(config, logger);
  return {
    db,
    gateway,
    templates: await loadTemplateRegistry(config.templatesDir),
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
