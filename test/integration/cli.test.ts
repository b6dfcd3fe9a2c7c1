import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/queue/index.ts';
import { insertPrompts } from '../../src/store/index.ts';
import { seedPopulation } from '../../tools/demo/population.ts';
import { careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { TEST_DATABASE_URL } from '../support/pipeline.ts';
import { discardRuntime } from '../support/runtime.ts';

describe('the careprompt command line', () => {
  const testEnv = useTestEnvironment();
  const database = { DATABASE_URL: TEST_DATABASE_URL };

  it('validates campaign files without a database and names file, field and fix for bad ones', async () => {
    const ok = await careprompt(['campaigns', 'validate', 'jobs']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('ok  wound-care-after-sutures');

    const dir = await mkdtemp(join(tmpdir(), 'careprompt-cli-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      'id: Bad Id\nname: x\nschedule: { cron: "0 8 * * *" }\ntrigger: { resource: DiagnosticReport, codes: [x], status: [final] }\ntemplate: no-such-template\n',
    );
    const bad = await careprompt(['campaigns', 'validate', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${file}: id must be lowercase letters, digits and dashes`);
    expect(bad.stderr).toContain(`${file}: trigger.resource`);
    expect(bad.stderr).toContain(`${file}: trigger.codes.0 must be "system|code"`);
  });

  it('rejects a campaign whose template does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'careprompt-cli-'));
    const file = join(dir, 'missing-template.yaml');
    await writeFile(
      file,
      'id: x\nname: x\nschedule: { cron: "0 8 * * *" }\ntrigger: { resource: Procedure, codes: ["a|b"], status: [completed] }\ntemplate: no-such-template\n',
    );
    const result = await careprompt(['campaigns', 'apply', file], database);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: template "no-such-template" has no file templates/no-such-template.hbs`);
    expect(await testEnv.db.campaign.count()).toBe(0);
  });

  it('stops with exit code 2 naming each missing variable and an example', async () => {
    const result = await careprompt(['run', '--once'], database);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FHIR_BASE_URL is not set (example: FHIR_BASE_URL=https://fhir.example.org/r4)');
    expect(result.stderr).toContain('SENDER_REFERENCE is not set');
  });

  it('applies, lists, runs once and lists the outreach', async () => {
    const expected = await seedPopulation(testEnv.fhir.baseUrl, { patients: 40, seed: 9, asOf: new Date() });
    const env = {
      ...database,
      FHIR_BASE_URL: testEnv.fhir.baseUrl,
      SENDER_REFERENCE: 'Organization/test-clinic',
      ORG_NAME: 'Test Clinic',
      ORG_REPLY_TIME: '2 business days',
      // The runs must send whatever the hour: quiet hours and caps have tests of their own.
      SEND_WINDOW: 'always',
      FREQUENCY_CAP: 'none',
      LOG_LEVEL: 'silent',
    };
    expect((await careprompt(['campaigns', 'apply', 'jobs'], database)).stdout).toContain('created    wound-care-after-sutures');
    expect((await careprompt(['campaigns', 'apply', 'jobs'], database)).stdout).toContain('unchanged  wound-care-after-sutures');
    const listed = JSON.parse((await careprompt(['campaigns', 'list', '--json'], database)).stdout) as Array<{ id: string }>;
    expect(listed.map((campaign) => campaign.id)).toHaveLength(6);

    expect((await careprompt(['run', '--once', '--campaign', 'nope'], env)).code).toBe(2);
    const run = await careprompt(['run', '--once', '--campaign', 'wound-care-after-sutures'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`wound-care-after-sutures\\s+\\d+\\s+${expected.woundCare}\\s`));
    expect(run.stdout).toContain(`sent ${expected.woundCare},`);

    const outreach = await careprompt(
      ['outreach', 'list', '--campaign', 'wound-care-after-sutures', '--status', 'sent', '--json'],
      database,
    );
    const prompts = JSON.parse(outreach.stdout) as Array<{ status: string; externalId: string }>;
    expect(prompts).toHaveLength(expected.woundCare);
    expect(prompts.every((prompt) => prompt.status === 'sent' && prompt.externalId)).toBe(true);
    expect((await careprompt(['outreach', 'list', '--status', 'bogus'], database)).code).toBe(2);
  });

  it('lets a reviewer approve or reject a held prompt, and says why when it cannot', async () => {
    const prefix = `test-${randomUUID()}`;
    const env = { ...database, QUEUE_PREFIX: prefix, USER: 'nobody' };
    await careprompt(['campaigns', 'apply', 'jobs'], database);
    const held = async (n: number) => {
      const [prompt] = await insertPrompts(testEnv.db, [
        {
          idempotencyKey: `cli-review-${n}-${prefix}`,
          campaignId: 'wound-care-after-sutures',
          patientRef: `Patient/cli-${n}`,
          triggerRefs: [`Procedure/cli-${n}`],
          evidence: {},
          templateId: 'wound-care',
          category: 'instruction',
          channel: 'fhir-communication',
          renderedText: 'text',
          status: 'pending_review',
          decidedAt: new Date(),
        },
      ]);
      if (!prompt) throw new Error('expected the prompt to be written');
      return prompt;
    };
    const [first, second] = [await held(1), await held(2)];

    const table = await careprompt(['outreach', 'list', '--status', 'pending_review'], env);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID {36}CREATED {15}CAMPAIGN/);
    expect(rows.map((row) => row.split(' ')[0]).sort()).toEqual([first.id, second.id].sort());
    expect(rows[0]).toMatch(/^\S{36} {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}wound-care-after-sutures/);

    expect((await careprompt(['outreach', 'approve', first.id], env)).stderr).toContain('--reviewer <name> is required');
    const approved = await careprompt(['outreach', 'approve', first.id, '--reviewer', 'dr-lee'], env);
    expect(approved).toMatchObject({ code: 0, stdout: `approved  ${first.id}\n` });
    expect(await testEnv.db.prompt.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({
      status: 'queued',
      reviewedBy: 'dr-lee',
    });
    const runtime = createRuntime({ redisUrl: 'redis://127.0.0.1:6379', prefix, concurrency: 1, attempts: 1 });
    try {
      expect((await runtime.queues.send.getJobs(['waiting'])).map((job) => job.data)).toEqual([{ promptIds: [first.id] }]);
    } finally {
      await discardRuntime(runtime);
    }

    expect((await careprompt(['outreach', 'approve', first.id, '--reviewer', 'dr-lee'], env)).code).toBe(1);
    expect((await careprompt(['outreach', 'reject', second.id, '--reviewer', 'dr-lee'], env)).code).toBe(2);
    expect((await careprompt(['outreach', 'reject', second.id, '--reviewer', 'dr-lee', '--note', 'called the patient'], env)).code).toBe(0);
    expect((await testEnv.db.prompt.findUniqueOrThrow({ where: { id: second.id } })).reason).toBe('rejected in review: called the patient');
    expect((await careprompt(['outreach', 'approve', 'not-an-id', '--reviewer', 'dr-lee'], env)).code).toBe(2);
  });

  it('warns of each active campaign a folder no longer holds, and leaves it active', async () => {
    expect((await careprompt(['campaigns', 'apply', 'jobs'], database)).code).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), 'careprompt-cli-'));
    await cp('jobs/wound-care-after-sutures.yaml', join(dir, 'wound-care-after-sutures.yaml'));
    const result = await careprompt(['campaigns', 'apply', dir], database);
    expect(result).toMatchObject({ code: 0, stdout: 'unchanged  wound-care-after-sutures\n' });
    const stored = await testEnv.db.campaign.findMany({ where: { id: { not: 'wound-care-after-sutures' } }, orderBy: { id: 'asc' } });
    expect(stored.map(({ active }) => active)).toEqual([true, true, true, true, true]);
    expect(result.stderr).toBe(
      stored
        .map(
          ({ id }) =>
            `careprompt: warning: campaign ${id} is stored but not in ${dir}: still active; to stop it, set \`active: false\` in its file and apply it\n`,
        )
        .join(''),
    );
    // One file applied alone says nothing about the others.
    expect((await careprompt(['campaigns', 'apply', join(dir, 'wound-care-after-sutures.yaml')], database)).stderr).toBe('');
  });
});
