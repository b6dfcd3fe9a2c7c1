import { describe, expect, it } from 'vitest';
import { seedPopulation } from '../../tools/demo/population.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, duplicatedIdentifiers, patientWithFreshStitches } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

const PATIENTS = 150;
const CAMPAIGNS = {
  woundCare: 'wound-care-after-sutures',
  medicationCheckIn: 'new-medication-check-in',
  diabetes: 'diabetes-self-management',
} as const;

describe('the outreach pipeline against real PostgreSQL, Redis and FHIR', () => {
  const env = useTestEnvironment('per-test');

  it('sends exactly the expected Communications, and a second run sends nothing new', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: PATIENTS, seed: 7, asOf: new Date() });
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);

    const first = await pipeline.run();
    expect(new Set((await env.db.prompt.findMany({ where: { status: 'sent' } })).map((row) => row.language))).toEqual(
      new Set(['en', 'es']),
    );
    const sentBy = (summary: typeof first, id: string) => summary.campaigns.find((c) => c.campaignId === id)?.prompts.sent;
    for (const [key, id] of Object.entries(CAMPAIGNS)) {
      expect(sentBy(first, id), id).toBe(expected[key as keyof typeof CAMPAIGNS]);
    }
    const total = expected.woundCare + expected.medicationCheckIn + expected.diabetes;
    expect(total).toBeGreaterThan(30);
    expect(first.totals).toMatchObject({ sent: total, failed: 0, pendingReview: 0 });

    const sent = await communications(env.fhir.baseUrl);
    expect(sent).toHaveLength(total);
    expect(duplicatedIdentifiers(sent)).toEqual([]);
    const rows = await env.db.prompt.findMany({ where: { status: 'sent' } });
    const byId = new Map(sent.map((communication) => [communication.id, communication]));
    for (const row of rows) {
      const communication = byId.get(row.externalId ?? '');
      expect(communication?.identifier[0]).toEqual({ system: 'urn:careprompt:prompt', value: row.idempotencyKey });
      expect(communication?.subject).toEqual({ reference: row.patientRef });
      expect(communication?.payload[0].contentString).toBe(row.renderedText);
      expect(communication?.about).toEqual(row.triggerRefs.map((reference) => ({ reference })));
      // The safety footer, in the patient's language, ends every message.
      expect(row.renderedText).toContain(row.language === 'es' ? 'respondemos en 2 días hábiles' : 'reply within 2 business days');
      expect(row.renderedText).toMatch(/911[^\n]*\.$/);
      expect(row.templateVersion).toMatch(/^[0-9a-f]{16}$/);
    }

    const second = await pipeline.run();
    expect(second.totals).toMatchObject({ sent: 0, skipped: 0, failed: 0 });
    expect(await communications(env.fhir.baseUrl)).toHaveLength(total);
  });

  it('records why patients were not prompted: deceased, inactive, or a template value they lack', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: PATIENTS, seed: 11, asOf: new Date() });
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    await pipeline.run();

    for (const [key, campaignId] of Object.entries(CAMPAIGNS)) {
      const owed = expected.skipped[key as keyof typeof CAMPAIGNS];
      const count = (reason: string) => env.db.prompt.count({ where: { campaignId, status: 'skipped', reason } });
      expect(await count('patient is deceased'), campaignId).toBe(owed.deceased);
      expect(await count('patient record is inactive'), campaignId).toBe(owed.inactive);
      expect(await count('template value missing: patient.firstName'), campaignId).toBe(owed.missingFirstName);
    }
    const skippedPatients = new Set((await env.db.prompt.findMany({ where: { status: 'skipped' } })).map((row) => row.patientRef));
    expect(skippedPatients.size).toBeGreaterThan(0);
    const messaged = (await communications(env.fhir.baseUrl)).map((communication) => communication.subject.reference as string);
    expect(messaged.filter((ref) => skippedPatients.has(ref))).toEqual([]);
  });

  it('picks up a resource added after the last run, and only that one', async () => {
    await seedPopulation(env.fhir.baseUrl, { patients: 40, seed: 3, asOf: new Date() });
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    await pipeline.run();
    const before = (await communications(env.fhir.baseUrl)).length;

    const { patient, procedure } = await patientWithFreshStitches(env.fhir.baseUrl, 'Rosa');
    const next = await pipeline.run();

    expect(next.totals.sent).toBe(1);
    const after = await communications(env.fhir.baseUrl);
    expect(after).toHaveLength(before + 1);
    const added = after.find((communication) => communication.subject.reference === `Patient/${patient.id}`);
    expect(added?.about).toEqual([{ reference: `Procedure/${procedure.id}` }]);
    expect(added?.payload[0].contentString).toContain('Rosa');
  });

  it('holds prompts for review when the campaign requires it, and sends none of them', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 60, seed: 5, asOf: new Date() });
    await applyExampleCampaigns(env.db, (loaded) =>
      loaded.map((item) => ({ ...item, campaign: { ...item.campaign, review: 'required' as const }, hash: `${item.hash}-review` })),
    );
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    const summary = await pipeline.run();
    expect(summary.totals).toMatchObject({ sent: 0, pendingReview: expected.woundCare + expected.medicationCheckIn + expected.diabetes });
    expect(await communications(env.fhir.baseUrl)).toHaveLength(0);
  });
});
