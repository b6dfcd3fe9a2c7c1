/**
 * The JSON API over real parts: a campaign written with a mistake, fixed, run by the pipeline against the FHIR
 * test server, its held prompt edited and approved, then sent; versions, provenance, timeline, audit CSV.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, createResource, patientWithFreshStitches } from '../support/fhir-data.ts';
import { startTestApi, type TestApi } from '../support/http.ts';
import { createTestPipeline, emptyDatabase, type TestPipeline } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-after-sutures';

async function createPatientOnly(baseUrl: string) {
  return { patient: await createResource(baseUrl, { resourceType: 'Patient', active: true, name: [{ given: ['Sam'], family: 'Lee' }] }) };
}

describe('the JSON API from campaign to sent message', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let pipeline: TestPipeline;
  let manager: Record<string, string>;
  let clinician: Record<string, string>;
  let admin: Record<string, string>;
  let yaml: string;
  beforeAll(async () => {
    await emptyDatabase(env.db);
    api = await startTestApi(env.fhir.baseUrl);
    pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    manager = await api.token('care_manager', 'nurse-station');
    clinician = await api.token('clinician', 'dr-lee');
    admin = await api.token('admin');
    yaml = (await readFile(`jobs/${CAMPAIGN}.yaml`, 'utf8')).replace('review: none', 'review: required');
  });
  afterAll(async () => {
    await pipeline?.close();
    await api?.close();
  });
  const put = (body: string) =>
    api.app.inject({ method: 'PUT', url: `/api/v1/campaigns/${CAMPAIGN}`, headers: manager, payload: { yaml: body } });

  it('refuses a campaign with a mistake: the field, the line and the fix, and nothing is stored', async () => {
    const broken = yaml.replace('review: required', 'reveiw: required');
    const validate = await api.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/validate',
      headers: manager,
      payload: { yaml: broken },
    });
    const line = broken.split('\n').findIndex((text) => text.startsWith('reveiw')) + 1;
    expect(validate.json()).toEqual({
      ok: false,
      errors: [{ field: 'reveiw', line, message: 'is not a known field: did you mean review?' }],
    });
    const reply = await put(broken);
    expect(reply.statusCode).toBe(422);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reply.json()).toMatchObject({
      title: 'invalid campaign',
      detail: `reveiw (line ${line}) is not a known field: did you mean review?`,
    });
    expect(await env.db.campaign.count()).toBe(0);
  });

  it('creates the campaign from its YAML as version 1, by whoever sent it', async () => {
    const reply = await put(yaml);
    expect(reply.json()).toEqual({ id: CAMPAIGN, change: 'created', version: 1 });
    const detail = await api.app.inject({ method: 'GET', url: `/api/v1/campaigns/${CAMPAIGN}`, headers: clinician });
    expect(detail.json()).toMatchObject({
      id: CAMPAIGN,
      active: true,
      version: 1,
      yaml,
      versions: [{ version: 1, actor: 'token:nurse-station' }],
    });
    expect(detail.json().definition.review).toBe('required');
  });

  it('holds the pipeline’s prompt for review with its text and evidence, and counts it in the campaign figures', async () => {
    await patientWithFreshStitches(env.fhir.baseUrl, 'Rosa');
    expect((await pipeline.run([CAMPAIGN])).totals.pendingReview).toBe(1);
    const list = await api.app.inject({ method: 'GET', url: '/api/v1/campaigns', headers: manager });
    expect(list.json().campaigns[0]).toMatchObject({
      id: CAMPAIGN,
      figures: { today: { pendingReview: 1, sent: 0 }, last30Days: { pendingReview: 1 } },
    });
    const queue = (await api.app.inject({ method: 'GET', url: '/api/v1/review', headers: clinician })).json();
    expect(queue.prompts).toHaveLength(1);
    expect(queue.prompts[0]).toMatchObject({
      campaignId: CAMPAIGN,
      campaignVersion: 1,
      status: 'pending_review',
      text: expect.stringContaining('Rosa'),
    });
    expect(queue.prompts[0].evidence).toMatchObject({
      trigger: expect.objectContaining({ reference: expect.stringMatching(/^Procedure\//) }),
    });
  });

  it('previews the campaign’s message for a chosen patient read from FHIR, and says why it cannot for others', async () => {
    const [prompt] = await env.db.prompt.findMany();
    const preview = (patientId: string) =>
      api.app.inject({ method: 'POST', url: `/api/v1/campaigns/${CAMPAIGN}/preview`, headers: manager, payload: { patientId } });
    const shown = await preview(prompt?.patientRef.split('/')[1] ?? '');
    expect(shown.json()).toMatchObject({ text: prompt?.renderedText, language: 'en', triggerRef: prompt?.triggerRefs[0] });
    expect((await preview('nobody-here')).statusCode).toBe(404);
    const { patient } = await createPatientOnly(env.fhir.baseUrl);
    const none = await preview(patient.id);
    expect(none.statusCode).toBe(422);
    expect(none.json().detail).toBe(`Patient/${patient.id} has no Procedure with the campaign's codes: choose a patient who has one`);
    expect(await env.db.prompt.count()).toBe(1);
  });

  it('approves an edited prompt (kept with its diff and editor), reports the ones not pending, and the next run sends the edit', async () => {
    const [held] = (await api.app.inject({ method: 'GET', url: '/api/v1/review', headers: clinician })).json().prompts;
    const edited = `${held.text}\nP.S. Keep the dressing dry.`;
    const missing = '00000000-0000-4000-8000-000000000000';
    const reply = await api.app.inject({
      method: 'POST',
      url: '/api/v1/review/decisions',
      headers: clinician,
      payload: {
        decisions: [
          { promptId: held.id, decision: 'approve', text: edited },
          { promptId: missing, decision: 'reject', note: 'duplicate' },
        ],
      },
    });
    expect(reply.json()).toEqual({
      results: [
        { promptId: held.id, result: 'approved' },
        { promptId: missing, result: 'not-pending' },
      ],
    });

    await pipeline.run([CAMPAIGN]);
    const sent = (await communications(env.fhir.baseUrl)).filter((c) => c.payload[0].contentString === edited);
    expect(sent).toHaveLength(1);

    const page = (await api.app.inject({ method: 'GET', url: `/api/v1/prompts/${held.id}`, headers: clinician })).json();
    expect(page).toMatchObject({
      status: 'sent',
      text: edited,
      provenance: { campaignVersion: 1, templateId: 'wound-care', communicationId: sent[0]?.id, reviewedBy: 'token:dr-lee' },
    });
    expect(page.timeline.map((event: { action: string }) => event.action)).toEqual([
      'prompt.pending_review',
      'prompt.edited',
      'prompt.queued',
      'prompt.sent',
    ]);
    const edit = page.timeline.find((event: { action: string }) => event.action === 'prompt.edited');
    expect(edit).toMatchObject({
      actor: 'token:dr-lee',
      details: { editor: 'token:dr-lee', diff: expect.stringContaining('+ P.S. Keep the dressing dry.') },
    });
  });

  it('refuses a rejection without a note, naming the field', async () => {
    const reply = await api.app.inject({
      method: 'POST',
      url: '/api/v1/review/decisions',
      headers: clinician,
      payload: { decisions: [{ promptId: '00000000-0000-4000-8000-000000000000', decision: 'reject' }] },
    });
    expect(reply.statusCode).toBe(400);
    expect(reply.json().errors).toEqual([{ field: 'body.decisions.0.note', message: 'a rejection needs a note saying why' }]);
  });

  it('finds the prompt by patient (in the body), campaign, status and dates', async () => {
    const [prompt] = await env.db.prompt.findMany();
    const search = (body: object) => api.app.inject({ method: 'POST', url: '/api/v1/outreach/search', headers: clinician, payload: body });
    const found = await search({
      patientRef: prompt?.patientRef,
      campaignId: CAMPAIGN,
      status: 'sent',
      from: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect(found.json().prompts.map((p: { id: string }) => p.id)).toEqual([prompt?.id]);
    expect((await search({ status: 'failed' })).json().prompts).toEqual([]);
    const byPath = await api.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${prompt?.patientRef.split('/')[1]}/prompts`,
      headers: manager,
    });
    expect(byPath.json().prompts).toHaveLength(1);
  });

  it('pauses the campaign as a new version whose diff shows the change, audited', async () => {
    const reply = await api.app.inject({ method: 'POST', url: `/api/v1/campaigns/${CAMPAIGN}/pause`, headers: manager });
    expect(reply.json()).toEqual({ id: CAMPAIGN, change: 'updated', version: 2 });
    const detail = (await api.app.inject({ method: 'GET', url: `/api/v1/campaigns/${CAMPAIGN}`, headers: manager })).json();
    expect(detail).toMatchObject({ active: false, version: 2 });
    expect(detail.versions[0].diff.split('\n').filter((line: string) => !line.startsWith('  '))).toEqual([
      '- active: true',
      '+ active: false',
    ]);
    expect(detail.yaml).toContain('# Wound care instructions');
    const events = (
      await api.app.inject({ method: 'GET', url: '/api/v1/audit?entityType=Campaign&action=campaign.paused', headers: admin })
    ).json().events;
    expect(events).toMatchObject([{ actor: 'token:nurse-station', entityId: CAMPAIGN, details: { version: '2' } }]);
  });

  it('exports the audit log as CSV with a header and one line per event', async () => {
    const reply = await api.app.inject({ method: 'GET', url: '/api/v1/audit.csv?entityType=Prompt', headers: admin });
    expect(reply.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = reply.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,actor,action,entity_type,entity_id,details');
    expect(lines.slice(1).map((line) => line.split(',')[2])).toEqual([
      'prompt.sent',
      'prompt.queued',
      'prompt.edited',
      'prompt.pending_review',
    ]);
  });

  it('lets an admin create a token shown once, and revoke it', async () => {
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: admin,
      payload: { name: 'prometheus', role: 'admin' },
    });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json();
    const auth = { authorization: `Bearer ${token}` };
    expect(
      (await api.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: auth })).json().tokens.some((t: object) => 'token' in t),
    ).toBe(false);
    expect((await api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: admin })).statusCode).toBe(204);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: auth })).statusCode).toBe(401);
  });
});

describe('the OpenAPI document and the docs', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(env.fhir.baseUrl);
  });
  afterAll(() => api?.close());

  it('serves OpenAPI 3.1 generated from the routes’ schemas', async () => {
    const document = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/campaigns/{id}', '/api/v1/review/decisions', '/api/v1/audit.csv']),
    );
    expect(document.paths['/api/v1/session'].post.requestBody.content['application/json'].schema.required).toEqual(['email', 'password']);
    expect(document.components.securitySchemes.token).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves the interactive docs from its own assets, with no CDN', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => /^(https?:)?\/\//.test(source ?? ''))).toEqual([]);
    const bundle = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
  });
});
