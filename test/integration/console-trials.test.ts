/**
 * Trying a campaign before trusting it, over the real API, PostgreSQL and the FHIR test server: the dry run of a
 * stored campaign and of YAML not yet saved, and the campaign page's dry-run and preview forms. Nothing is written.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunReport } from '../../src/pipeline/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { patientWithFreshStitches } from '../support/fhir-data.ts';
import { type Credentials, startTestApi, type TestApi } from '../support/http.ts';
import { applyExampleCampaigns, emptyDatabase } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-after-sutures';

describe('dry runs and previews from the API and the campaign page', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let manager: Record<string, string>;
  let browser: Credentials;
  let patientId: string;
  let procedureRef: string;
  beforeAll(async () => {
    await emptyDatabase(env.db);
    api = await startTestApi(env.fhir.baseUrl);
    await applyExampleCampaigns(env.db);
    manager = await api.token('care_manager', 'nurse-station');
    browser = await api.signIn(await api.addUser('care_manager'));
    const { patient, procedure } = await patientWithFreshStitches(env.fhir.baseUrl, 'Rosa');
    patientId = patient.id;
    procedureRef = `Procedure/${procedure.id}`;
  });
  afterAll(() => api?.close());

  const dryRun = (url: string, payload: object) => api.app.inject({ method: 'POST', url, headers: manager, payload });
  const post = (url: string, fields: Record<string, string>) =>
    api.app.inject({
      method: 'POST',
      url,
      headers: { cookie: browser.headers.cookie ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: browser.csrf, ...fields }).toString(),
    });

  it('reports what a stored campaign would do, with the sample message and its facts, and writes nothing', async () => {
    const reply = await dryRun(`/api/v1/campaigns/${CAMPAIGN}/dry-run`, { samples: 1 });
    expect(reply.statusCode).toBe(200);
    const report = DryRunReport.parse(reply.json());
    expect(report).toMatchObject({ campaignId: CAMPAIGN, source: 'applied', matched: { candidates: 1, patients: 1 } });
    expect(report.candidates).toEqual([expect.objectContaining({ triggerRef: procedureRef, patientRef: `Patient/${patientId}` })]);
    expect(report.candidates[0]?.outcome).not.toBe('skip');
    expect(report.samples).toHaveLength(1);
    expect(report.samples[0]?.text).toContain('Rosa');
    expect(report.samples[0]?.trigger.reference).toBe(procedureRef);
    expect(await env.db.prompt.count()).toBe(0);
    expect(await env.db.auditEvent.count({ where: { action: { startsWith: 'prompt' } } })).toBe(0);
  });

  it('dry-runs YAML not yet saved, and refuses bad YAML or too many samples naming the field', async () => {
    const yaml = (await readFile(`jobs/${CAMPAIGN}.yaml`, 'utf8')).replace(`id: ${CAMPAIGN}`, 'id: wound-care-draft');
    const reply = await dryRun('/api/v1/campaigns/dry-run', { yaml, samples: 0 });
    expect(reply.json()).toMatchObject({ campaignId: 'wound-care-draft', source: 'file', matched: { candidates: 1 }, samples: [] });
    expect(await env.db.campaign.count({ where: { id: 'wound-care-draft' } })).toBe(0);

    const broken = await dryRun('/api/v1/campaigns/dry-run', { yaml: yaml.replace('review: none', 'reveiw: none') });
    expect(broken.statusCode).toBe(422);
    expect(broken.json().errors).toEqual([
      expect.objectContaining({ field: 'reveiw', message: 'is not a known field: did you mean review?' }),
    ]);
    const many = await dryRun(`/api/v1/campaigns/${CAMPAIGN}/dry-run`, { samples: 51 });
    expect(many.statusCode).toBe(400);
    expect(many.json().errors[0].field).toBe('body.samples');
    expect((await dryRun('/api/v1/campaigns/no-such-campaign/dry-run', {})).statusCode).toBe(404);
  });

  it('shows the dry run and preview forms on the campaign page, and their results', async () => {
    const page = await api.app.inject({
      method: 'GET',
      url: `/console/campaigns/${CAMPAIGN}`,
      headers: { cookie: browser.headers.cookie ?? '' },
    });
    expect(page.body).toContain(`action="/console/campaigns/${CAMPAIGN}/dry-run"`);
    expect(page.body).toContain(`action="/console/campaigns/${CAMPAIGN}/preview"`);

    const ran = await post(`/console/campaigns/${CAMPAIGN}/dry-run`, { samples: '2' });
    expect(ran.statusCode).toBe(200);
    expect(ran.body).toContain('<caption>What would become of each matching resource</caption>');
    expect(ran.body).toMatch(/<dt>Matching resources<\/dt><dd>1<\/dd>/);
    expect(ran.body).toMatch(/<pre class="message">[^<]*Rosa/);
    expect(ran.body).toContain(`<dd>${procedureRef}</dd>`);
    const wrong = await post(`/console/campaigns/${CAMPAIGN}/dry-run`, { samples: 'many' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('id="field-samples-errors"');

    const previewed = await post(`/console/campaigns/${CAMPAIGN}/preview`, { patient: `Patient/${patientId}` });
    expect(previewed.statusCode).toBe(200);
    expect(previewed.body).toMatch(/<pre class="message">[^<]*Rosa/);
    expect(previewed.body).toContain(`<dd>${procedureRef}</dd>`);
    const nobody = await post(`/console/campaigns/${CAMPAIGN}/preview`, { patient: 'nobody-here' });
    expect(nobody.body).toContain('No message: the FHIR server has no Patient/nobody-here');
    expect(await env.db.prompt.count()).toBe(0);
  });
});
