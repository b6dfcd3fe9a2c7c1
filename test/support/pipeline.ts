/**
 * Integration-test wiring: the real pipeline (real PostgreSQL, Redis and the project's FHIR server on
 * loopback) with test settings. Each test gets an empty database and its own Redis key prefix.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AppServices, buildServices, runtimeOptions } from '../../src/app/index.ts';
import { loadCampaigns } from '../../src/campaigns/index.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import type { RunSummary } from '../../src/pipeline/index.ts';
import { runOnce } from '../../src/queue/index.ts';
import { applyCampaigns, createDb, type Db } from '../../src/store/index.ts';

export { eraseAllData as emptyDatabase } from '../../src/store/index.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/careprompt_test';

export function testConfig(fhirBaseUrl: string, overrides: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    FHIR_BASE_URL: fhirBaseUrl,
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    SENDER_REFERENCE: 'Organization/test-clinic',
    ORG_NAME: 'Test Clinic',
    ORG_REPLY_TIME: '2 business days',
    ORG_REPLY_TIME_ES: '2 días hábiles',
    ORG_PHONE: '555-0100',
    QUEUE_PREFIX: `test-${randomUUID()}`,
    JOB_BACKOFF_MS: '50',
    FHIR_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'silent',
    // Quiet hours and caps would make every other test depend on the hour it runs at: their own tests turn them on.
    SEND_WINDOW: 'always',
    FREQUENCY_CAP: 'none',
    ...overrides,
  });
}

/** The campaigns in jobs/ whose prompts the population's `expectations` predict (the others have their own tests). */
export const POPULATION_CAMPAIGNS = ['diabetes-self-management', 'new-medication-check-in', 'wound-care-after-sutures'] as const;

/** Applies these campaigns of jobs/ (by default those the population's `expectations` cover). */
export async function applyExampleCampaigns(
  db: Db,
  transform: (yaml: Awaited<ReturnType<typeof loadCampaigns>>) => typeof yaml = (x) => x,
  ids: readonly string[] = POPULATION_CAMPAIGNS,
) {
  const chosen = (await loadCampaigns('jobs')).filter((loaded) => ids.includes(loaded.campaign.id));
  await applyCampaigns(db, transform(chosen), 'test');
}

export interface TestPipeline {
  db: Db;
  config: Readonly<Config>;
  services: AppServices;
  run(campaignIds?: string[]): Promise<RunSummary>;
  /** Closes what the services opened (the request budget's Redis connection); the test's database stays open. */
  close(): Promise<void>;
}

export async function createTestPipeline(db: Db, fhirBaseUrl: string, overrides: Record<string, string> = {}): Promise<TestPipeline> {
  const config = testConfig(fhirBaseUrl, overrides);
  const services = await buildServices(config, silentLogger, db);
  return {
    db,
    config,
    services,
    run: async (campaignIds) => {
      const ids = campaignIds ?? (await db.campaign.findMany({ where: { active: true }, select: { id: true } })).map((c) => c.id);
      return runOnce(services, { ...runtimeOptions(config), campaignIds: ids, idleCheckMs: 20 });
    },
    close: () => services.close(),
  };
}

export function testDb(): Db {
  return createDb(TEST_DATABASE_URL);
}

/** Waits for a condition on the real system's state (not for an amount of time). */
export async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let checks = 0; checks < 1200; checks += 1) {
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}
