/**
 * The console's pages that the browser test does not walk through, driven with `app.inject()` as a browser's
 * form posts are (url-encoded bodies carrying the CSRF token), over the real API, PostgreSQL and Redis.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPrompts } from '../../src/store/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { type Credentials, startTestApi, type TestApi } from '../support/http.ts';
import { applyExampleCampaigns } from '../support/pipeline.ts';

describe('console pages', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let admin: Credentials;
  let clinician: Credentials;
  beforeAll(async () => {
    api = await startTestApi(env.fhir.baseUrl);
    await applyExampleCampaigns(env.db);
    admin = await api.signIn(await api.addUser('admin'));
    clinician = await api.signIn(await api.addUser('clinician'));
  });
  afterAll(() => api?.close());

  /** A form posted as a browser posts it: the session cookie, the fields url-encoded, the CSRF token among them. */
  const post = (who: Credentials, url: string, fields: Record<string, string | string[]>, csrf = true) => {
    const body = new URLSearchParams();
    if (csrf) body.append('_csrf', who.csrf);
    for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
    return api.app.inject({
      method: 'POST',
      url,
      headers: { cookie: who.headers.cookie ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      payload: body.toString(),
    });
  };
  const get = (who: Credentials, url: string) =>
    api.app.inject({ method: 'GET', url, headers: { cookie: who.headers.cookie ?? '', accept: 'text/html' } });

  it('refuses a form without its CSRF token, and shows a new API token once', async () => {
    const refused = await post(admin, '/console/admin/tokens', { name: 'reporting', role: 'clinician' }, false);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toContain('text/html');
    expect(refused.body).toContain('CSRF token missing or wrong');

    const created = await post(admin, '/console/admin/tokens', { name: 'reporting', role: 'clinician' });
    expect(created.statusCode).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    const token = /id="new-token" type="text" readonly value="(cpt_[^"]+)"/.exec(created.body)?.[1];
    expect(token).toBeDefined();
    const asToken = await api.app.inject({ method: 'GET', url: '/api/v1/session', headers: { authorization: `Bearer ${token}` } });
    expect(asToken.json()).toMatchObject({ actor: 'token:reporting', role: 'clinician' });

    const later = await get(admin, '/console/admin/tokens');
    expect(later.body).toContain('reporting');
    expect(later.body).not.toContain(token);
  });

  it('lets an admin add a user and read the audit log, filtered and as CSV', async () => {
    const added = await post(admin, '/console/admin/users', {
      email: 'new.nurse@clinic.test',
      role: 'clinician',
      password: 'a long enough password',
    });
    expect(added.body).toContain('Added new.nurse@clinic.test.');
    const short = await post(admin, '/console/admin/users', { email: 'other@clinic.test', role: 'clinician', password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.body).toMatch(/<ul class="field-errors" id="field-password-errors"><li>[^<]*12/);

    const audit = await get(admin, '/console/admin/audit?action=user.created');
    expect(audit.statusCode).toBe(200);
    expect(audit.body).toContain('<caption>Audit events, newest first</caption>');
    expect(audit.body).toContain('user.created');
    expect(audit.body).not.toContain('campaign.created');
    expect(audit.body).toContain('href="/api/v1/audit.csv?action=user.created"');
    const csv = await get(admin, '/api/v1/audit.csv?action=user.created');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n').filter((line) => line.includes(',user.created,'))).toHaveLength(3);

    const asClinician = await get(clinician, '/console/admin/audit');
    expect(asClinician.statusCode).toBe(403);
    expect(asClinician.body).toContain('<h1>Not allowed</h1>');
  });

  it('looks a patient up with a POST form and puts the id in the path, never in a query string', async () => {
    const found = await post(clinician, '/console/patients', { patient: 'Patient/abc-1' });
    expect(found.statusCode).toBe(303);
    expect(found.headers.location).toBe('/console/patients/abc-1');
    const page = await get(clinician, '/console/patients/abc-1');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<caption>Prompts for this patient, newest first</caption>');
    const bad = await post(clinician, '/console/patients', { patient: 'not an id' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('must be a FHIR id');
  });

  it('sends a person without a session to sign in, and a script gets 401', async () => {
    const browser = await api.app.inject({ method: 'GET', url: '/console/review', headers: { accept: 'text/html' } });
    expect(browser.statusCode).toBe(303);
    expect(browser.headers.location).toBe('/console/login');
    const script = await api.app.inject({ method: 'GET', url: '/console/review' });
    expect(script.statusCode).toBe(401);
  });

  it('rejects only with a note, and sends an edited text when a clinician edits before approving', async () => {
    const [kept, edited] = await insertPrompts(
      env.db,
      [1, 2].map((n) => ({
        idempotencyKey: `console-review-${n}-${randomUUID()}`,
        campaignId: 'wound-care-after-sutures',
        patientRef: `Patient/console-${n}`,
        triggerRefs: [`Procedure/console-${n}`],
        evidence: {},
        templateId: 'wound-care',
        category: 'instruction' as const,
        channel: 'fhir-communication',
        renderedText: `Hello ${n}`,
        status: 'pending_review' as const,
        decidedAt: new Date(),
      })),
    );
    if (!kept || !edited) throw new Error('expected two held prompts');
    const queue = await get(clinician, '/console/review');
    expect(queue.body).toContain(`aria-label="wound-care-after-sutures for Patient/console-1"`);

    const noNote = await post(clinician, '/console/review', { decision: 'reject', selected: kept.id, note: '' });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.body).toContain('A rejection needs a note saying why.');

    const text = 'Hello 2, from your nurse';
    const approved = await post(clinician, '/console/review', {
      decision: 'approve',
      selected: edited.id,
      [`text-${edited.id}`]: text,
      [`shown-${edited.id}`]: 'Hello 2',
    });
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toBe('/console/review?approved=1&rejected=0&stale=0');
    const rejected = await post(clinician, '/console/review', { decision: 'reject', selected: kept.id, note: 'not after this procedure' });
    expect(rejected.headers.location).toBe('/console/review?approved=0&rejected=1&stale=0');

    const rows = await env.db.prompt.findMany({ where: { id: { in: [kept.id, edited.id] } } });
    expect(rows.find((row) => row.id === edited.id)).toMatchObject({ status: 'queued', renderedText: text });
    expect(rows.find((row) => row.id === kept.id)?.status).not.toBe('pending_review');
    const after = await get(clinician, '/console/review?approved=0&rejected=1&stale=0');
    expect(after.body).toContain('Approved 0, rejected 1.');
    expect(after.body).not.toContain('Patient/console-1');
  });
});
