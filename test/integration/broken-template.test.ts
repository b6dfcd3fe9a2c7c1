import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedPopulation } from '../../tools/demo/population.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

const DIABETES = 'diabetes-self-management';

describe('a broken template', () => {
  const env = useTestEnvironment();

  it('stops only the campaign using it, loses none of its work, and the fixed template sends it all', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 60, seed: 21, asOf: new Date() });
    await applyExampleCampaigns(env.db);
    const templates = join(await mkdtemp(join(tmpdir(), 'careprompt-broken-')), 'templates');
    await cp('templates', templates, { recursive: true });
    await writeFile(join(templates, `${DIABETES}.hbs`), 'Hi {{patient.constructor}}\n{{> safety-footer}}\n');

    const broken = await createTestPipeline(env.db, env.fhir.baseUrl, { TEMPLATES_DIR: templates });
    const first = await broken.run();
    const byId = (summary: typeof first, id: string) => summary.campaigns.find((campaign) => campaign.campaignId === id);
    expect(byId(first, DIABETES)).toMatchObject({ pollFailed: true, matched: 0, prompts: { sent: 0 } });
    expect(byId(first, 'wound-care-after-sutures')?.prompts.sent).toBe(expected.woundCare);
    expect(byId(first, 'new-medication-check-in')?.prompts.sent).toBe(expected.medicationCheckIn);
    const [failedPoll] = await env.db.pollRun.findMany({ where: { campaignId: DIABETES } });
    expect(failedPoll).toMatchObject({
      status: 'failed',
      error: `TemplateError: ${join(templates, `${DIABETES}.hbs`)} (template '${DIABETES}') reads 'constructor' (line 1), which is not a template field (see Templates in the README)`,
    });
    // The poll failed for good at once: no retries of something that fails the same way every time.
    expect(await env.db.pollRun.count({ where: { campaignId: DIABETES } })).toBe(1);

    const fixed = await createTestPipeline(env.db, env.fhir.baseUrl);
    const second = await fixed.run();
    expect(byId(second, DIABETES)?.prompts.sent).toBe(expected.diabetes);
    expect(second.totals).toMatchObject({ sent: expected.diabetes, failed: 0 });
    expect(await communications(env.fhir.baseUrl)).toHaveLength(expected.woundCare + expected.medicationCheckIn + expected.diabetes);
  });
});
