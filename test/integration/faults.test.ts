import { describe, expect, it } from 'vitest';
import { seedPopulation } from '../../tools/demo/population.ts';
import { useFaultyFhir } from '../support/environment.ts';
import { communications, duplicatedIdentifiers, patientWithFreshStitches } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

describe('an unreliable FHIR server', () => {
  const env = useFaultyFhir();

  it('still ends with every prompt sent exactly once through 429s, 503s, timeouts and lost responses', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 120, seed: 21, asOf: new Date() });
    const total = expected.woundCare + expected.medicationCheckIn + expected.diabetes;
    env.proxy.rules.push(
      // The server creates the Communication, but the engine never hears back: the retry must not make a second.
      { method: 'POST', path: /^\/Communication/, fault: 'lose-response', every: 3 },
      { method: 'POST', path: /^\/Communication/, fault: 'unavailable', every: 5 },
      { method: 'POST', path: /^\/Communication/, fault: 'hang', every: 7, times: 3 },
      { method: 'GET', path: /^\/(Procedure|Condition|MedicationRequest)\?/, fault: 'rate-limit', every: 2 },
      // Patient records load one batch per request: only a few requests, so every other one fails.
      { method: 'GET', path: /^\/Patient\?/, fault: 'unavailable', every: 2 },
      { method: 'GET', path: /^\/Patient\?/, fault: 'hang', every: 2, times: 2 },
    );
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl, { FHIR_TIMEOUT_MS: '300' });

    const summary = await pipeline.run();

    expect(env.proxy.injected['lose-response']).toBeGreaterThan(5);
    expect(env.proxy.injected.unavailable).toBeGreaterThan(5);
    expect(env.proxy.injected['rate-limit']).toBeGreaterThan(0);
    expect(env.proxy.injected.hang).toBe(5);
    expect(summary.totals).toMatchObject({ sent: total, failed: 0 });
    const sent = await communications(env.fhir.baseUrl);
    expect(sent).toHaveLength(total);
    expect(duplicatedIdentifiers(sent)).toEqual([]);
    expect(await env.db.prompt.count({ where: { status: { not: 'sent' }, NOT: { status: 'skipped' } } })).toBe(0);
  });

  it('records a refused message as failed with the server OperationOutcome, without retrying it', async () => {
    env.proxy.rules.length = 0;
    const before = env.proxy.injected.reject;
    env.proxy.rules.push({ method: 'POST', path: /^\/Communication/, fault: 'reject' });
    await applyExampleCampaigns(env.db);
    const { patient } = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl);

    const summary = await pipeline.run(['wound-care-after-sutures']);

    expect(summary.totals).toMatchObject({ sent: 0, failed: 1 });
    expect(env.proxy.injected.reject - before).toBe(1);
    const failed = await env.db.prompt.findFirstOrThrow({ where: { patientRef: `Patient/${patient.id}` } });
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.reason).toContain('HTTP 422');
    expect(failed.reason).toContain('recipient has no portal account');
  });

  it('fails a poll the server refuses, records the OperationOutcome and keeps the watermark', async () => {
    env.proxy.rules.length = 0;
    env.proxy.rules.push({ method: 'GET', path: /^\/Procedure\?/, fault: 'reject' });
    await applyExampleCampaigns(env.db);
    const before = await env.db.campaign.findUniqueOrThrow({ where: { id: 'wound-care-after-sutures' } });
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl);

    const summary = await pipeline.run(['wound-care-after-sutures']);

    expect(summary.campaigns[0]).toMatchObject({ campaignId: 'wound-care-after-sutures', pollFailed: true });
    expect(summary.totals.failed).toBeGreaterThan(0);
    const run = await env.db.pollRun.findFirstOrThrow({
      where: { campaignId: 'wound-care-after-sutures' },
      orderBy: { startedAt: 'desc' },
    });
    expect(run.status).toBe('failed');
    expect(run.error).toContain('recipient has no portal account');
    const after = await env.db.campaign.findUniqueOrThrow({ where: { id: 'wound-care-after-sutures' } });
    expect(after.watermark).toEqual(before.watermark);
  });

  it('records evaluations that fail for good (a malformed bundle) and reports the run as failed', async () => {
    env.proxy.rules.length = 0;
    await applyExampleCampaigns(env.db);
    const { patient } = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    env.proxy.rules.push({ method: 'GET', path: new RegExp(`^/Patient\\?.*_id=${patient.id}`), fault: 'malformed' });
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl);

    const summary = await pipeline.run(['wound-care-after-sutures']);

    expect(env.proxy.injected.malformed).toBeGreaterThanOrEqual(1);
    // Records load a batch at a time; a batch that fails for good is split, so only Ana's candidate is lost.
    const errors = await env.db.candidate.count({ where: { pollRunId: summary.campaigns[0]?.pollRunId, outcome: 'error' } });
    expect(errors).toBe(1);
    expect(summary.campaigns[0]?.unfinished).toBe(1);
    expect(summary.totals.failed).toBeGreaterThan(0);
    const candidate = await env.db.candidate.findFirstOrThrow({ where: { patientId: patient.id } });
    expect(candidate.outcome).toBe('error');
  });

  it('splits a send batch that keeps failing, so only the message the server chokes on fails', async () => {
    env.proxy.rules.length = 0;
    await applyExampleCampaigns(env.db);
    const ana = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    const ben = await patientWithFreshStitches(env.fhir.baseUrl, 'Ben');
    // Both prompts go out in one send job; Ana's message alone meets a server error every time.
    env.proxy.rules.push({
      method: 'POST',
      path: /^\/Communication/,
      body: new RegExp(`Patient/${ana.patient.id}"`),
      fault: 'unavailable',
    });
    // One try per request, so Ana's message fails fast; a long timeout, so no other request fails for being slow
    // on a loaded machine (with the test's 2 s, one slow send counted as a second failure).
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl, {
      FHIR_MAX_ATTEMPTS: '1',
      FHIR_TIMEOUT_MS: '60000',
      JOB_ATTEMPTS: '2',
    });

    const summary = await pipeline.run(['wound-care-after-sutures']);

    const promptOf = (patientId: string) => env.db.prompt.findFirstOrThrow({ where: { patientRef: `Patient/${patientId}` } });
    expect(await promptOf(ana.patient.id)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^gave up: /) });
    expect((await promptOf(ben.patient.id)).status).toBe('sent');
    // The run also takes up the patients of the tests above (none of them fails now): Ana's is the only failure.
    expect(summary.campaigns[0]).toMatchObject({ unfinished: 0, prompts: { failed: 1, queued: 0 } });
    expect(summary.totals.failed).toBe(1);
  });
});
