import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, createResource } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

const DIABETES = 'diabetes-self-management';

/**
 * A living patient with an active type 2 diabetes diagnosis carrying the given verification status. The coding
 * has no system, as charts from real EHRs sometimes have: with the standard system the test server enforces
 * invariant con-5 (no clinicalStatus beside entered-in-error), which a real server accepted.
 */
async function patientWithDiabetes(baseUrl: string, given: string, verification: string) {
  const patient = await createResource(baseUrl, { resourceType: 'Patient', active: true, name: [{ given: [given], family: 'Okafor' }] });
  await createResource(baseUrl, {
    resourceType: 'Condition',
    subject: { reference: `Patient/${patient.id}` },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Type 2 diabetes mellitus' }] },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ code: verification }] },
    onsetDateTime: '2024-05-01T00:00:00Z',
  });
  return `Patient/${patient.id}`;
}

describe('diagnoses that are not the patient’s', () => {
  const env = useTestEnvironment();

  it('an active Condition entered in error or refuted gets no diabetes prompt; a confirmed one does', async () => {
    const inError = await patientWithDiabetes(env.fhir.baseUrl, 'Ada', 'entered-in-error');
    const refuted = await patientWithDiabetes(env.fhir.baseUrl, 'Ben', 'refuted');
    const confirmed = await patientWithDiabetes(env.fhir.baseUrl, 'Cy', 'confirmed');
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);

    const summary = await pipeline.run([DIABETES]);

    expect(summary.campaigns[0]).toMatchObject({ campaignId: DIABETES, matched: 3, prompts: { sent: 1, skipped: 0, failed: 0 } });
    expect((await communications(env.fhir.baseUrl)).map((communication) => communication.subject.reference)).toEqual([confirmed]);
    expect(await env.db.prompt.count({ where: { patientRef: { in: [inError, refuted] } } })).toBe(0);
    const outcomes = await env.db.candidate.findMany({ where: { campaignId: DIABETES }, select: { patientId: true, outcome: true } });
    expect(
      outcomes
        .filter((row) => row.outcome === 'no_match')
        .map((row) => `Patient/${row.patientId}`)
        .sort(),
    ).toEqual([inError, refuted].sort());
  });
});
