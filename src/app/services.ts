/**
 * The composition root: configuration in, connected services out, for the CLI, the worker, doctor and the HTTP
 * API to come. Nothing is built on import.
 */

import { Redis } from 'ioredis';
import type { Config } from '../config/index.ts';
import { createFhirCommunicationTransport, DEFAULT_CHANNEL } from '../delivery/index.ts';
import { createAccessTokens, createFhirGateway, createRedisRequestBudget, type FhirGateway, type RequestBudget } from '../fhir/index.ts';
import { type Logger, throttledErrorReporter } from '../log/index.ts';
import type { Instruments } from '../metrics/index.ts';
import { SEND_RULES, type Services } from '../pipeline/index.ts';
import type { RuntimeOptions } from '../queue/index.ts';
import { loadTemplateRegistry } from '../render/index.ts';
import { createDb, type Db, findValueSetExpansion, saveValueSetExpansion } from '../store/index.ts';
import { createValueSetSource, type ExpansionCache } from '../valuesets/index.ts';
import { createStorePort } from './store-port.ts';

/**
 * The one way to build the FHIR gateway, so `doctor` talks to the server exactly as the engine does. `budget`:
 * the FHIR_MAX_RPS share the engine's requests draw on (doctor's handful go without).
 */
export function buildGateway(config: Readonly<Config>, logger: Logger, budget?: RequestBudget, instruments?: Instruments): FhirGateway {
  const { maxRequestsPerSecond: _budgeted, auth, ...fhir } = config.fhir;
  const accessTokens = createAccessTokens(auth, { ...config.fhir, logger });
  return createFhirGateway({ ...fhir, logger, accessTokens, ...(budget ? { budget } : {}), ...(instruments ? { instruments } : {}) });
}

/**
 * The pipeline's services, the database they run on (for doctor's checks), and `close()` for the connections
 * buildServices opened (a database passed in stays open).
 */
export interface AppServices extends Services {
  db: Db;
  close(): Promise<void>;
}

/** `instruments`: where the FHIR gateway reports its requests (the process's metrics), if anywhere. */
export async function buildServices(config: Readonly<Config>, logger: Logger, db?: Db, instruments?: Instruments): Promise<AppServices> {
  const templates = await loadTemplateRegistry(config.templatesDir);
  // Ids and files only: the reasons (which may quote template text) are for `campaigns validate` and `doctor`.
  for (const { template, file } of templates.problems()) {
    logger.error({ templateId: template, file }, 'templates: cannot be used; campaigns using it will not run until it is fixed');
  }
  const database = db ?? createDb(config.databaseUrl);
  const { maxRequestsPerSecond, baseUrl } = config.fhir;
  const budget = maxRequestsPerSecond === undefined ? undefined : redisBudget(config.redisUrl, baseUrl, maxRequestsPerSecond, logger);
  const gateway = buildGateway(config, logger, budget, instruments);
  return {
    db: database,
    store: createStorePort(database),
    gateway,
    templates,
    valueSets: buildValueSetSource(config, gateway, database, logger),
    transports: new Map([[DEFAULT_CHANNEL, createFhirCommunicationTransport(gateway, config.delivery)]]),
    sendRules: SEND_RULES,
    config,
    logger,
    clock: () => new Date(),
    async close() {
      await budget?.close();
      if (!db) await database.$disconnect();
    },
  };
}

/** Local files first, then the server's `$expand`, cached in PostgreSQL (README, "Value sets"). */
export function buildValueSetSource(config: Readonly<Pick<Config, 'valueSetsDir' | 'fhir'>>, gateway: FhirGateway, db: Db, logger: Logger) {
  const cache: ExpansionCache = {
    read: (url) => findValueSetExpansion(db, url),
    write: (expansion) => saveValueSetExpansion(db, expansion),
  };
  const fhir = { baseUrl: config.fhir.baseUrl, expandValueSet: (url: string) => gateway.expandValueSet(url) };
  return createValueSetSource({ dir: config.valueSetsDir, server: { fhir, cache }, logger });
}

/** FHIR_MAX_RPS shared with every process pointed at the same server, over a Redis connection of its own. */
function redisBudget(redisUrl: string, baseUrl: string, maxPerSecond: number, logger: Logger): RequestBudget & { close(): Promise<void> } {
  const redis = new Redis(redisUrl);
  redis.on('error', throttledErrorReporter(logger, 'request budget: Redis connection error'));
  const budget = createRedisRequestBudget({ redis, baseUrl, maxPerSecond });
  return {
    take: () => budget.take(),
    close: async () => {
      await redis.quit();
    },
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
