import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/queue/index.ts';
import { careprompt } from '../support/cli.ts';
import { useFaultyFhir } from '../support/environment.ts';
import { communications, patientWithFreshStitches } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, TEST_DATABASE_URL, until } from '../support/pipeline.ts';
import { discardRuntime } from '../support/runtime.ts';

const WOUND_CARE = 'wound-care-after-sutures';

describe('outreach retry', () => {
  const env = useFaultyFhir();

  it('queues prompts failed by a refused create again once the cause is gone: each sent once, audited with who asked', async () => {
    const first = await patientWithFreshStitches(env.fhir.baseUrl, 'Rosa');
    const second = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl);
    env.proxy.rules.push({ method: 'POST', path: /^\/Communication/, fault: 'reject' });
    const failedRun = await pipeline.run([WOUND_CARE]);
    expect(failedRun.totals).toMatchObject({ sent: 0, failed: 2 });
    const failed = await env.db.prompt.findMany({ where: { status: 'failed' }, orderBy: { patientRef: 'asc' } });
    expect(failed.map((prompt) => prompt.reason)).toEqual([expect.stringContaining('422'), expect.stringContaining('422')]);
    const byPatient = (patient: { id: string }) => failed.find((prompt) => prompt.patientRef === `Patient/${patient.id}`)?.id ?? '';

    // The cause is removed (the portal account now exists); an operator retries.
    env.proxy.rules.length = 0;
    const cli = { DATABASE_URL: TEST_DATABASE_URL, QUEUE_PREFIX: pipeline.config.queue.prefix, USER: 'ops' };
    const one = await careprompt(['outreach', 'retry', byPatient(first.patient), '--by', 'dr-lee'], cli);
    expect(one).toMatchObject({ code: 0, stdout: `queued  ${byPatient(first.patient)}\n1 failed prompt queued for sending\n` });
    const rest = await careprompt(['outreach', 'retry', '--campaign', WOUND_CARE, '--status', 'failed', '--since', 'PT1H'], cli);
    expect(rest).toMatchObject({ code: 0, stdout: `queued  ${byPatient(second.patient)}\n1 failed prompt queued for sending\n` });

    const runtime = createRuntime({ ...pipeline.config.queue, redisUrl: pipeline.config.redisUrl });
    try {
      runtime.startWorkers(pipeline.services);
      await until(async () => (await env.db.prompt.count({ where: { status: 'sent' } })) === 2, 'the retried prompts sent');
    } finally {
      await discardRuntime(runtime);
      await pipeline.close();
    }
    const sent = await communications(env.fhir.baseUrl);
    expect(sent.map((communication) => communication.subject.reference).sort()).toEqual(
      [`Patient/${first.patient.id}`, `Patient/${second.patient.id}`].sort(),
    );
    const audit = await env.db.auditEvent.findMany({
      where: { action: 'prompt.queued', actor: { not: 'careprompt' } },
      orderBy: { at: 'asc' },
    });
    expect(audit.map(({ actor, entityId, details }) => ({ actor, entityId, details }))).toEqual([
      { actor: 'dr-lee', entityId: byPatient(first.patient), details: { retriedBy: 'dr-lee', failure: expect.stringContaining('422') } },
      { actor: 'cli:ops', entityId: byPatient(second.patient), details: { retriedBy: 'cli:ops', failure: expect.stringContaining('422') } },
    ]);

    // A prompt that is not failed, or does not exist, is refused as bad input and nothing is queued.
    const again = await careprompt(['outreach', 'retry', byPatient(first.patient)], cli);
    expect(again).toMatchObject({
      code: 2,
      stderr: `careprompt: prompt ${byPatient(first.patient)} is sent, not failed: only failed prompts can be retried\n`,
    });
    const missing = await careprompt(['outreach', 'retry', '00000000-0000-4000-8000-000000000000'], cli);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    expect((await careprompt(['outreach', 'retry', '--campaign', WOUND_CARE, '--status', 'sent'], cli)).code).toBe(2);
    expect(
      (await careprompt(['outreach', 'retry', '--campaign', WOUND_CARE, '--status', 'failed', '--since', 'yesterday'], cli)).code,
    ).toBe(2);
    expect((await careprompt(['outreach', 'retry', '--campaign', WOUND_CARE, '--status', 'failed'], cli)).stdout).toBe(
      '0 failed prompts queued for sending\n',
    );
    expect(await communications(env.fhir.baseUrl)).toHaveLength(2);
  });

  it('leaves a prompt past PROMPT_EXPIRY_HOURS failed unless forced, then queues it anew, audited as forced', async () => {
    const { patient } = await patientWithFreshStitches(env.fhir.baseUrl, 'Eva');
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl);
    env.proxy.rules.push({ method: 'POST', path: /^\/Communication/, fault: 'reject' });
    expect((await pipeline.run([WOUND_CARE])).totals).toMatchObject({ failed: 1 });
    env.proxy.rules.length = 0;
    const { id } = await env.db.prompt.findFirstOrThrow({ where: { status: 'failed', patientRef: `Patient/${patient.id}` } });
    // Queued three days ago, failed since: a wound check that old must not go out by a plain retry.
    const queuedAt = new Date(Date.now() - 72 * 3_600_000);
    await env.db.prompt.update({ where: { id }, data: { queuedAt } });
    const cli = { DATABASE_URL: TEST_DATABASE_URL, QUEUE_PREFIX: pipeline.config.queue.prefix, PROMPT_EXPIRY_HOURS: '48' };
    const runtime = createRuntime({ ...pipeline.config.queue, redisUrl: pipeline.config.redisUrl });
    try {
      const named = await careprompt(['outreach', 'retry', id, '--by', 'dr-lee'], cli);
      expect(named.code).toBe(2);
      expect(named.stderr).toContain(`prompt ${id}`);
      expect(named.stderr).toContain('PROMPT_EXPIRY_HOURS');
      const campaign = await careprompt(['outreach', 'retry', '--campaign', WOUND_CARE, '--status', 'failed', '--by', 'dr-lee'], cli);
      expect(campaign.code).toBe(0);
      expect(campaign.stdout).toContain(`expired, not retried  ${id}\n0 failed prompts queued for sending\n`);
      expect(await env.db.prompt.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'failed', queuedAt });

      const forced = await careprompt(['outreach', 'retry', id, '--by', 'dr-lee', '--force'], cli);
      expect(forced).toMatchObject({ code: 0, stdout: `queued  ${id}\n1 failed prompt queued for sending\n` });
      const retried = await env.db.prompt.findUniqueOrThrow({ where: { id } });
      expect(retried.status).toBe('queued');
      expect(retried.queuedAt?.getTime()).toBeGreaterThan(queuedAt.getTime() + 71 * 3_600_000);
      const audit = await env.db.auditEvent.findMany({ where: { action: 'prompt.queued', entityId: id, actor: 'dr-lee' } });
      expect(audit.map((event) => event.details)).toEqual([
        { retriedBy: 'dr-lee', failure: expect.stringContaining('422'), forced: 'true' },
      ]);
    } finally {
      await discardRuntime(runtime);
      await pipeline.close();
    }
  });
});
