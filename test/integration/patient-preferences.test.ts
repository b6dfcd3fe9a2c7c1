import { describe, expect, it } from 'vitest';
import { loadCampaigns } from '../../src/campaigns/index.ts';
import { applyCampaigns, type Db, reviewPrompt } from '../../src/store/index.ts';
import { careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, createResource, freshStitches, patientWithFreshStitches } from '../support/fhir-data.ts';
import { createTestPipeline, TEST_DATABASE_URL } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-after-sutures';
const database = { DATABASE_URL: TEST_DATABASE_URL };
/** Each command-line run starts a Node process: a few on a busy machine outlast the default minute. */
const CLI_TEST_TIMEOUT_MS = 240_000;

/** An active Consent of the patient denying outreach messaging (careprompt's default code). */
function outreachOptOut(patientId: string) {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    patient: { reference: `Patient/${patientId}` },
    provision: { type: 'deny', code: [{ coding: [{ system: 'urn:careprompt:consent', code: 'outreach-messaging' }] }] },
  } as const;
}

async function applyWoundCare(db: Db, change: Record<string, unknown> = {}) {
  const [loaded] = await loadCampaigns(`jobs/${CAMPAIGN}.yaml`);
  if (!loaded) throw new Error('example campaign missing');
  await applyCampaigns(db, [{ ...loaded, campaign: { ...loaded.campaign, ...change }, hash: JSON.stringify(change) }], 'test');
}

/** The audit events of the prompts of a patient: action and details. */
async function auditOf(db: Db, patientRef: string) {
  const ids = (await db.prompt.findMany({ where: { patientRef }, select: { id: true } })).map((row) => row.id);
  const events = await db.auditEvent.findMany({ where: { entityType: 'Prompt', entityId: { in: ids } }, orderBy: { at: 'asc' } });
  return events.map((event) => ({ action: event.action, details: event.details }));
}

const promptsOf = (db: Db, patientRef: string) => db.prompt.findMany({ where: { patientRef }, orderBy: { createdAt: 'asc' } });
const messagedPatients = async (baseUrl: string) => (await communications(baseUrl)).map((c) => c.subject.reference as string);

describe("patients' preferences, against real PostgreSQL, Redis and FHIR", () => {
  const env = useTestEnvironment('per-test');

  it('skips a patient whose Consent denies outreach messaging, naming the Consent, and sends to the others', async () => {
    const { patient: optedOut } = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    const { patient: other } = await patientWithFreshStitches(env.fhir.baseUrl, 'Ben');
    const consent = await createResource(env.fhir.baseUrl, outreachOptOut(optedOut.id));
    await applyWoundCare(env.db);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);

    const summary = await pipeline.run();

    expect(summary.totals).toMatchObject({ sent: 1, skipped: 1 });
    const [skipped] = await promptsOf(env.db, `Patient/${optedOut.id}`);
    expect(skipped).toMatchObject({ status: 'skipped', reason: `opted-out: consent Consent/${consent.id}, all campaigns` });
    expect(await auditOf(env.db, `Patient/${optedOut.id}`)).toEqual([
      { action: 'prompt.skipped', details: { rule: 'opt-out', reason: `opted-out: consent Consent/${consent.id}, all campaigns` } },
    ]);
    expect(await messagedPatients(env.fhir.baseUrl)).toEqual([`Patient/${other.id}`]);
    await pipeline.close();
  });

  it(
    'skips a patient opted out with the command line, and prompts them again once opted in',
    async () => {
      const { patient } = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
      const ref = `Patient/${patient.id}`;
      await applyWoundCare(env.db);
      const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);

      const optOut = ['patients', 'opt-out', ref, '--campaign', CAMPAIGN, '--by', 'nurse-kim', '--reason', 'asked by phone'];
      expect(await careprompt(optOut, database)).toMatchObject({ code: 0, stdout: `opted out  ${ref}  campaign ${CAMPAIGN}\n` });
      await pipeline.run();
      expect(await promptsOf(env.db, ref)).toMatchObject([{ status: 'skipped', reason: `opted-out: local, campaign ${CAMPAIGN}` }]);
      const shown = await careprompt(['patients', 'show', ref, '--json'], database);
      expect(JSON.parse(shown.stdout)).toMatchObject({
        patientRef: ref,
        optOuts: [{ campaignId: CAMPAIGN, recordedBy: 'nurse-kim', reason: 'asked by phone' }],
        recentPrompts: [{ campaignId: CAMPAIGN, status: 'skipped' }],
      });

      expect(await careprompt(['patients', 'opt-in', ref, '--campaign', CAMPAIGN, '--by', 'nurse-kim'], database)).toMatchObject({
        code: 0,
      });
      await freshStitches(env.fhir.baseUrl, patient.id);
      await pipeline.run();

      expect((await promptsOf(env.db, ref)).map((row) => row.status)).toEqual(['skipped', 'sent']);
      expect(await messagedPatients(env.fhir.baseUrl)).toEqual([ref]);
      const patientAudit = await env.db.auditEvent.findMany({ where: { entityType: 'Patient', entityId: ref }, orderBy: { at: 'asc' } });
      expect(patientAudit.map((event) => [event.actor, event.action, event.details])).toEqual([
        ['nurse-kim', 'patient.opted-out', { scope: `campaign ${CAMPAIGN}`, reason: 'asked by phone' }],
        ['nurse-kim', 'patient.opted-in', { scope: `campaign ${CAMPAIGN}` }],
      ]);
      await pipeline.close();
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'refuses bad patient references, missing flags, unknown campaigns and opt-ins of nothing, with exit code 2',
    async () => {
      await applyWoundCare(env.db);
      const run = (...args: string[]) => careprompt(['patients', ...args], database);

      expect(await run('opt-out', 'Ana Diaz', '--by', 'kim', '--reason', 'phone')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('"Ana Diaz" is not a patient reference: write Patient/<id>'),
      });
      expect(await run('opt-out', 'Patient/1', '--reason', 'phone')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('needs --by <name>'),
      });
      expect(await run('opt-out', 'Patient/1', '--by', 'kim')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('needs --reason <text>'),
      });
      expect(await run('opt-out', 'Patient/1', '--campaign', 'wound-kare', '--by', 'kim', '--reason', 'phone')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--campaign wound-kare: no such campaign is stored'),
      });
      expect(await run('opt-in', 'Patient/1', '--by', 'kim')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('Patient/1 has no local opt-out of all campaigns'),
      });
      expect(await env.db.patientOptOut.count()).toBe(0);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it('withdraws, and audits, a prompt whose patient opted out by Consent between the decision and the send', async () => {
    const { patient } = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    const ref = `Patient/${patient.id}`;
    // Held for review: hours may pass between the decision and the send.
    await applyWoundCare(env.db, { review: 'required' });
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    await pipeline.run();
    const [held] = await promptsOf(env.db, ref);
    expect(held?.status).toBe('pending_review');

    const consent = await createResource(env.fhir.baseUrl, outreachOptOut(patient.id));
    expect(await reviewPrompt(env.db, held?.id ?? '', { decision: 'approve', reviewer: 'dr-lee' })).toBe(true);
    await pipeline.run();

    const reason = `opted-out: consent Consent/${consent.id}, all campaigns`;
    expect(await promptsOf(env.db, ref)).toMatchObject([{ status: 'skipped', reason }]);
    expect(await communications(env.fhir.baseUrl)).toEqual([]);
    expect((await auditOf(env.db, ref)).at(-1)).toEqual({ action: 'prompt.skipped', details: { rule: 'opt-out', reason } });
    await pipeline.close();
  });

  it("skips a patient whose language the template lacks, or uses the campaign's fallback language", async () => {
    const french = await createResource(env.fhir.baseUrl, {
      resourceType: 'Patient',
      active: true,
      name: [{ given: ['Amélie'] }],
      communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'fr' }] }, preferred: true }],
    });
    await freshStitches(env.fhir.baseUrl, french.id);
    await applyWoundCare(env.db);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    await pipeline.run();
    expect(await promptsOf(env.db, `Patient/${french.id}`)).toMatchObject([{ status: 'skipped', reason: 'no template in fr' }]);
    expect(await auditOf(env.db, `Patient/${french.id}`)).toEqual([
      { action: 'prompt.skipped', details: { rule: 'language', reason: 'no template in fr' } },
    ]);

    await applyWoundCare(env.db, { languageFallback: 'es' });
    await freshStitches(env.fhir.baseUrl, french.id);
    await pipeline.run();
    const [, fallback] = await promptsOf(env.db, `Patient/${french.id}`);
    expect(fallback).toMatchObject({ status: 'sent', language: 'es' });
    expect(fallback?.renderedText).toContain('Amélie');
    await pipeline.close();
  });
});
