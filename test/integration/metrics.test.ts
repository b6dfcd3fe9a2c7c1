/**
 * The metrics port over real parts: a run against the FHIR test server reports its FHIR requests and job
 * durations through the instruments, and the scrape reads prompts, decisions and queue depths from PostgreSQL
 * and Redis.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMetrics, buildServices, runtimeOptions } from '../../src/app/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { runOnce } from '../../src/queue/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { patientWithFreshStitches } from '../support/fhir-data.ts';
import { startTestApi, type TestApi } from '../support/http.ts';
import { applyExampleCampaigns, emptyDatabase, testConfig } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-after-sutures';

/** The value of one sample of the exposition text, or undefined when absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('metrics', () => {
  const env = useTestEnvironment();
  beforeAll(async () => {
    await emptyDatabase(env.db);
    await applyExampleCampaigns(env.db);
  });

  it('counts a run’s FHIR requests, job durations, prompts by status and decisions by outcome', async () => {
    await patientWithFreshStitches(env.fhir.baseUrl, 'Rosa');
    const config = testConfig(env.fhir.baseUrl);
    let depths = async (): Promise<Array<{ queue: string; state: string; count: number }>> => [];
    const metrics = buildMetrics(env.db, () => depths());
    const services = await buildServices(config, silentLogger, env.db, metrics.instruments);
    try {
      await runOnce(services, { ...runtimeOptions(config), campaignIds: [CAMPAIGN], idleCheckMs: 20, instruments: metrics.instruments });
      depths = async () => [{ queue: 'send', state: 'waiting', count: 0 }];
      const { body, contentType } = await metrics.render();
      expect(contentType).toMatch(/^text\/plain/);
      expect(sample(body, 'careprompt_prompts', `campaign="${CAMPAIGN}",status="sent"`)).toBe(1);
      expect(sample(body, 'careprompt_decisions', `campaign="${CAMPAIGN}",outcome="queued"`)).toBe(1);
      expect(sample(body, 'careprompt_fhir_requests_total', 'kind="create",status="2xx"')).toBe(1);
      expect(sample(body, 'careprompt_fhir_requests_total', 'kind="search",status="2xx"')).toBeGreaterThanOrEqual(1);
      expect(sample(body, 'careprompt_fhir_request_duration_seconds_count', 'kind="create"')).toBe(1);
      expect(sample(body, 'careprompt_job_duration_seconds_count', 'queue="send",outcome="completed"')).toBe(1);
      expect(sample(body, 'careprompt_queue_jobs', 'queue="send",state="waiting"')).toBe(0);
    } finally {
      await services.close();
    }
  });

  it('serves /metrics to admins only, with the outbox and this process’s FHIR requests', async () => {
    const api: TestApi = await startTestApi(env.fhir.baseUrl);
    try {
      await api.app.inject({ method: 'GET', url: '/readyz' });
      expect((await api.app.inject({ method: 'GET', url: '/metrics', headers: await api.token('clinician') })).statusCode).toBe(403);
      const reply = await api.app.inject({ method: 'GET', url: '/metrics', headers: await api.token('admin') });
      expect(reply.statusCode).toBe(200);
      expect(sample(reply.body, 'careprompt_prompts', `campaign="${CAMPAIGN}",status="sent"`)).toBe(1);
      expect(sample(reply.body, 'careprompt_fhir_requests_total', 'kind="read",status="2xx"')).toBe(1);
      expect(reply.body).toContain('careprompt_queue_jobs{queue="evaluate",state="waiting"} 0');
    } finally {
      await api.close();
    }
  });
});
