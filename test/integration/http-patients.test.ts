/**
 * Patients' preferences over the real API and PostgreSQL: opt-out, opt-in and results by message recorded and
 * audited with the signed-in person as actor, read back with the patient's recent and next deferred prompts, and the patient page's
 * forms (CSRF token as a browser posts it).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPrompts } from '../../src/store/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { type Credentials, startTestApi, type TestApi } from '../support/http.ts';
import { applyExampleCampaigns, emptyDatabase } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-after-sutures';

describe("patients' preferences from the API and the patient page", () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let managerEmail: string;
  let manager: Credentials;
  let clinician: Credentials;
  beforeAll(async () => {
    await emptyDatabase(env.db);
    api = await startTestApi(env.fhir.baseUrl);
    await applyExampleCampaigns(env.db);
    managerEmail = await api.addUser('care_manager');
    manager = await api.signIn(managerEmail);
    clinician = await api.signIn(await api.addUser('clinician'));
  });
  afterAll(() => api?.close());

  const call = (who: Credentials, method: 'GET' | 'POST', url: string, payload?: object) =>
    api.app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });
  const form = (who: Credentials, url: string, fields: Record<string, string>) =>
    api.app.inject({
      method: 'POST',
      url,
      headers: { cookie: who.headers.cookie ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: who.csrf, ...fields }).toString(),
    });
  const page = (who: Credentials, url: string) => api.app.inject({ method: 'GET', url, headers: { cookie: who.headers.cookie ?? '' } });

  it('records an opt-out audited with the signed-in email, and reads it back with recent and next deferred prompts', async () => {
    const until = new Date(Date.now() + 3 * 3_600_000);
    const [deferred] = await insertPrompts(env.db, [
      {
        idempotencyKey: `prefs-${randomUUID()}`,
        campaignId: CAMPAIGN,
        patientRef: 'Patient/p-1',
        triggerRefs: ['Procedure/p-1'],
        evidence: {},
        templateId: 'wound-care',
        category: 'instruction',
        channel: 'fhir-communication',
        renderedText: 'Hello',
        status: 'queued',
        decidedAt: new Date(),
        deferred: { until, reason: 'quiet hours' },
      },
    ]);
    const first = await call(manager, 'POST', '/api/v1/patients/p-1/opt-out', { campaignId: CAMPAIGN, reason: 'phone call' });
    expect(first.json()).toEqual({ already: false });
    const again = await call(manager, 'POST', '/api/v1/patients/p-1/opt-out', { campaignId: CAMPAIGN, reason: 'letter' });
    expect(again.json()).toEqual({ already: true });
    const events = await env.db.auditEvent.findMany({ where: { entityType: 'Patient', entityId: 'Patient/p-1' } });
    expect(events.map((event) => [event.actor, event.action])).toEqual([
      [managerEmail, 'patient.opted-out'],
      [managerEmail, 'patient.opted-out'],
    ]);

    const prefs = await call(clinician, 'GET', '/api/v1/patients/p-1/preferences');
    expect(prefs.statusCode).toBe(200);
    expect(prefs.json()).toMatchObject({
      patientRef: 'Patient/p-1',
      optOuts: [{ campaignId: CAMPAIGN, recordedBy: managerEmail, reason: 'letter' }],
      recentPrompts: [{ id: deferred?.id, status: 'queued', notBefore: until.toISOString() }],
      nextDeferred: { id: deferred?.id, campaignId: CAMPAIGN, notBefore: until.toISOString() },
    });
    expect((await call(clinician, 'POST', '/api/v1/patients/p-1/opt-out', { reason: 'phone call' })).statusCode).toBe(403);
  });

  it('refuses an opt-out without a reason or of an unknown campaign, and an opt-in with nothing to remove', async () => {
    const noReason = await call(manager, 'POST', '/api/v1/patients/p-2/opt-out', { reason: ' ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0]).toMatchObject({
      field: 'body.reason',
      message: 'must say how the patient asked (e.g. "phone call")',
    });
    const unknown = await call(manager, 'POST', '/api/v1/patients/p-2/opt-out', { campaignId: 'no-such-campaign', reason: 'phone call' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors).toEqual([{ field: 'campaignId', message: 'names no stored campaign' }]);
    const nothing = await call(manager, 'POST', '/api/v1/patients/p-2/opt-in', { reason: 'asked again' });
    expect(nothing.statusCode).toBe(404);
    expect(nothing.json().detail).toBe('Patient/p-2 has no local opt-out of all campaigns');
    expect(await env.db.patientOptOut.count({ where: { patientRef: 'Patient/p-2' } })).toBe(0);
  });

  it('opts a patient out of every campaign and back in from the patient page; a clinician sees no forms', async () => {
    const empty = await page(manager, '/console/patients/p-3');
    expect(empty.body).toContain('No local opt-outs.');
    expect(empty.body).toContain('action="/console/patients/p-3/opt-out"');
    expect(empty.body).toContain(`<option value="${CAMPAIGN}">`);

    const refused = await form(manager, '/console/patients/p-3/opt-out', { campaignId: '', reason: '' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Not recorded: reason must say how the patient asked');

    const out = await form(manager, '/console/patients/p-3/opt-out', { campaignId: '', reason: 'asked at the front desk' });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/console/patients/p-3?done=opted-out');
    const shown = await page(manager, out.headers.location as string);
    expect(shown.body).toContain('Opt-out recorded.');
    expect(shown.body).toMatch(/<td>all campaigns<\/td>.*<td>asked at the front desk<\/td>/s);
    expect(shown.body).toContain('action="/console/patients/p-3/opt-in"');

    const asClinician = await page(clinician, '/console/patients/p-3');
    expect(asClinician.body).toContain('asked at the front desk');
    expect(asClinician.body).not.toContain('action="/console/patients/p-3/opt-out"');
    expect(asClinician.body).not.toContain('action="/console/patients/p-3/opt-in"');

    const back = await form(manager, '/console/patients/p-3/opt-in', { campaignId: '', reason: 'changed their mind' });
    expect(back.headers.location).toBe('/console/patients/p-3?done=opted-in');
    expect(await env.db.patientOptOut.count({ where: { patientRef: 'Patient/p-3' } })).toBe(0);
    const [event] = await env.db.auditEvent.findMany({ where: { entityId: 'Patient/p-3', action: 'patient.opted-in' } });
    expect(event).toMatchObject({ actor: managerEmail, details: { scope: 'all campaigns', reason: 'changed their mind' } });
  });

  it('records whether the patient wants results by message, and clears it, audited, read back with the preferences; clinicians may not change it', async () => {
    const first = await call(manager, 'POST', '/api/v1/patients/p-4/results-by-message', { byMessage: true, note: 'at the visit' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ previous: null });
    expect((await call(manager, 'POST', '/api/v1/patients/p-4/results-by-message', { byMessage: false })).json()).toEqual({
      previous: true,
    });
    expect((await call(clinician, 'POST', '/api/v1/patients/p-4/results-by-message', { byMessage: true })).statusCode).toBe(403);
    const noAnswer = await call(manager, 'POST', '/api/v1/patients/p-4/results-by-message', { note: 'phone' });
    expect(noAnswer.statusCode).toBe(400);
    expect(noAnswer.json().errors[0]).toMatchObject({ field: 'body.byMessage' });

    const prefs = await call(clinician, 'GET', '/api/v1/patients/p-4/preferences');
    expect(prefs.json().resultsPreference).toEqual({
      byMessage: false,
      note: null,
      recordedBy: managerEmail,
      recordedAt: expect.any(String),
    });
    expect((await call(clinician, 'GET', '/api/v1/patients/p-5/preferences')).json().resultsPreference).toBeNull();
    const openapi = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const documented = openapi.paths['/api/v1/patients/{patientId}/results-by-message'].post;
    expect(documented.requestBody.content['application/json'].schema.required).toEqual(['byMessage']);

    // Cleared: careprompt no longer holds a word of its own, and a results Consent in the EHR decides again.
    const cleared = await call(manager, 'POST', '/api/v1/patients/p-4/results-by-message', { byMessage: null, note: 'in the EHR now' });
    expect(cleared.json()).toEqual({ previous: false });
    expect((await call(clinician, 'GET', '/api/v1/patients/p-4/preferences')).json().resultsPreference).toBeNull();
    const events = await env.db.auditEvent.findMany({ where: { entityId: 'Patient/p-4' }, orderBy: { at: 'asc' } });
    expect(events.map((event) => [event.actor, event.action, event.details])).toEqual([
      [managerEmail, 'patient.results-by-message', { byMessage: 'yes', note: 'at the visit' }],
      [managerEmail, 'patient.results-by-message', { byMessage: 'no' }],
      [managerEmail, 'patient.results-by-message', { byMessage: 'cleared', note: 'in the EHR now' }],
    ]);
  });

  it('shows the results preference on the patient page and changes or clears it with its form; a clinician sees no form', async () => {
    const empty = await page(manager, '/console/patients/p-6');
    expect(empty.body).toMatch(/<dt>Results by message<\/dt><dd>none recorded here<\/dd>/);
    expect(empty.body).toContain('action="/console/patients/p-6/results-by-message"');

    const refused = await form(manager, '/console/patients/p-6/results-by-message', { byMessage: 'maybe' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Not recorded: choose yes, no or clear.');

    const yes = await form(manager, '/console/patients/p-6/results-by-message', { byMessage: 'yes', note: 'asked at the front desk' });
    expect(yes.statusCode).toBe(303);
    expect(yes.headers.location).toBe('/console/patients/p-6?done=results-by-message');
    const shown = await page(manager, yes.headers.location as string);
    expect(shown.body).toContain('Results preference recorded.');
    expect(shown.body).toMatch(/<dd>yes, since <time[^>]*>[^<]*<\/time> \(recorded by [^:]+: asked at the front desk\)<\/dd>/);
    expect(await env.db.resultsPreference.findUnique({ where: { patientRef: 'Patient/p-6' } })).toMatchObject({
      byMessage: true,
      note: 'asked at the front desk',
      recordedBy: managerEmail,
    });

    const asClinician = await page(clinician, '/console/patients/p-6');
    expect(asClinician.body).toContain('asked at the front desk');
    expect(asClinician.body).not.toContain('action="/console/patients/p-6/results-by-message"');

    const clear = await form(manager, '/console/patients/p-6/results-by-message', { byMessage: 'clear', note: '' });
    expect(clear.statusCode).toBe(303);
    expect((await page(manager, '/console/patients/p-6')).body).toMatch(/<dt>Results by message<\/dt><dd>none recorded here<\/dd>/);
    expect(await env.db.resultsPreference.count({ where: { patientRef: 'Patient/p-6' } })).toBe(0);
  });
});
