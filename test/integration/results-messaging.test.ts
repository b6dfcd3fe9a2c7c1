/**
 * Sensitive results against real PostgreSQL, Redis and the FHIR test server: a result-value campaign with
 * `resultsMessaging: patient-preference` sends to the patient who chose results by message (a Consent, or
 * `patients results-by-message yes`) and holds the others for review; the dry run foretells both.
 */
import { describe, expect, it } from 'vitest';
import { Campaign } from '../../src/campaigns/index.ts';
import { dryRunCampaign } from '../../src/pipeline/index.ts';
import { applyCampaigns, type Db } from '../../src/store/index.ts';
import { careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, createResource } from '../support/fhir-data.ts';
import { createTestPipeline, TEST_DATABASE_URL } from '../support/pipeline.ts';

const database = { DATABASE_URL: TEST_DATABASE_URL };
/** Each command-line run starts a Node process: a few on a busy machine outlast the default minute. */
const CLI_TEST_TIMEOUT_MS = 240_000;
const NOT_CHOSEN = 'held for review: no results-by-message preference';

const A1C_RESULT = Campaign.parse({
  id: 'a1c-result',
  name: 'High A1c result',
  schedule: { cron: '0 9 * * *' },
  trigger: { resource: 'Observation', codes: ['http://loinc.org|4548-4'], status: ['final'], within: 'P7D', value: { ge: 9, unit: '%' } },
  template: 'diabetes-self-management',
  resultsMessaging: 'patient-preference',
});

async function applyA1cResult(db: Db) {
  await applyCampaigns(db, [{ campaign: A1C_RESULT, hash: 'a1c', source: JSON.stringify(A1C_RESULT) }], 'test');
}

/** A patient whose HbA1c of 9.4 % came back just now. */
async function patientWithHighA1c(baseUrl: string, givenName: string) {
  const patient = await createResource(baseUrl, { resourceType: 'Patient', active: true, name: [{ given: [givenName], family: 'Diaz' }] });
  const result = await createResource(baseUrl, {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
    subject: { reference: `Patient/${patient.id}` },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value: 9.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  });
  return { ref: `Patient/${patient.id}`, patientId: patient.id, resultRef: `Observation/${result.id}` };
}

/** An active Consent of the patient permitting results by portal message (careprompt's default code). */
function resultsByMessage(patientId: string) {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    patient: { reference: `Patient/${patientId}` },
    provision: { type: 'permit', code: [{ coding: [{ system: 'urn:careprompt:consent', code: 'results-by-message' }] }] },
  } as const;
}

const promptOf = async (db: Db, patientRef: string) => db.prompt.findFirst({ where: { patientRef, campaignId: A1C_RESULT.id } });

describe('results by message, against real PostgreSQL, Redis and FHIR', () => {
  const env = useTestEnvironment('per-test');

  it(
    'sends the result to the patient who said yes at the command line and holds the other for review',
    async () => {
      const ana = await patientWithHighA1c(env.fhir.baseUrl, 'Ana');
      const ben = await patientWithHighA1c(env.fhir.baseUrl, 'Ben');
      await applyA1cResult(env.db);

      const yes = ['patients', 'results-by-message', 'yes', ana.ref, '--by', 'nurse-kim', '--note', 'at the visit'];
      expect(await careprompt(yes, database)).toMatchObject({
        code: 0,
        stdout: `results by message: yes  ${ana.ref}  (was: none recorded)\n`,
      });
      const no = ['patients', 'results-by-message', 'no', ben.ref, '--by', 'nurse-kim'];
      expect(await careprompt(no, database)).toMatchObject({
        code: 0,
        stdout: `results by message: no  ${ben.ref}  (was: none recorded)\n`,
      });

      const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
      await pipeline.run();
      await pipeline.close();

      expect(await promptOf(env.db, ana.ref)).toMatchObject({ status: 'sent', reason: null });
      expect(await promptOf(env.db, ben.ref)).toMatchObject({
        status: 'pending_review',
        reason: 'held for review: results by message declined (local)',
      });
      expect((await communications(env.fhir.baseUrl)).map((c) => c.subject.reference)).toEqual([ana.ref]);

      const shown = await careprompt(['patients', 'show', ana.ref, '--json'], database);
      expect(JSON.parse(shown.stdout)).toMatchObject({
        resultsPreference: { patientRef: ana.ref, byMessage: true, note: 'at the visit', recordedBy: 'nurse-kim' },
      });
      const audit = await env.db.auditEvent.findMany({ where: { entityType: 'Patient', entityId: { in: [ana.ref, ben.ref] } } });
      expect(audit.map((event) => [event.entityId, event.actor, event.action, event.details])).toEqual(
        expect.arrayContaining([
          [ana.ref, 'nurse-kim', 'patient.results-by-message', { byMessage: 'yes', note: 'at the visit' }],
          [ben.ref, 'nurse-kim', 'patient.results-by-message', { byMessage: 'no' }],
        ]),
      );
      expect(audit).toHaveLength(2);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it('foretells in the dry run, and then does: queued for the Consent that permits results by message, held with the reason for the patient without one', async () => {
    const ana = await patientWithHighA1c(env.fhir.baseUrl, 'Ana');
    const ben = await patientWithHighA1c(env.fhir.baseUrl, 'Ben');
    await createResource(env.fhir.baseUrl, resultsByMessage(ana.patientId));
    await applyA1cResult(env.db);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);

    const report = await dryRunCampaign(A1C_RESULT, pipeline.services, { source: 'applied', samples: 0 });
    expect(report.counts).toMatchObject({ send: 1, review: 1 });
    expect(report.candidates).toEqual(
      expect.arrayContaining([
        { triggerRef: ana.resultRef, patientRef: ana.ref, outcome: 'send' },
        { triggerRef: ben.resultRef, patientRef: ben.ref, outcome: 'review', reason: NOT_CHOSEN },
      ]),
    );
    expect(await env.db.prompt.count()).toBe(0);

    await pipeline.run();
    await pipeline.close();
    expect(await promptOf(env.db, ana.ref)).toMatchObject({ status: 'sent' });
    expect(await promptOf(env.db, ben.ref)).toMatchObject({ status: 'pending_review', reason: NOT_CHOSEN });
    const held = await env.db.auditEvent.findFirst({ where: { entityType: 'Prompt', action: 'prompt.pending_review' } });
    expect(held?.details).toEqual({ rule: 'results-preference', reason: NOT_CHOSEN });
  });

  it(
    'clears the local word at the command line, and the Consent in the EHR decides again',
    async () => {
      const ana = await patientWithHighA1c(env.fhir.baseUrl, 'Ana');
      await createResource(env.fhir.baseUrl, resultsByMessage(ana.patientId));
      await applyA1cResult(env.db);
      const run = (...args: string[]) => careprompt(['patients', 'results-by-message', ...args, ana.ref, '--by', 'nurse-kim'], database);

      expect(await run('no')).toMatchObject({ code: 0 });
      expect(await run('clear')).toMatchObject({ code: 0, stdout: `results by message: clear  ${ana.ref}  (was: no)\n` });
      const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
      await pipeline.run();
      await pipeline.close();

      expect(await promptOf(env.db, ana.ref)).toMatchObject({ status: 'sent' });
      expect(await env.db.resultsPreference.count()).toBe(0);
      const audit = await env.db.auditEvent.findMany({ where: { entityType: 'Patient', entityId: ana.ref }, orderBy: { at: 'asc' } });
      expect(audit.map((event) => event.details)).toEqual([{ byMessage: 'no' }, { byMessage: 'cleared' }]);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'refuses an answer other than yes, no or clear, and a bad patient reference, with exit code 2',
    async () => {
      const run = (...args: string[]) => careprompt(['patients', 'results-by-message', ...args], database);
      expect(await run('maybe', 'Patient/1')).toMatchObject({ code: 2, stderr: expect.stringContaining('needs yes, no or clear') });
      expect(await run('yes', 'Ana Diaz')).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a patient reference') });
      expect(await env.db.resultsPreference.count()).toBe(0);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
