import { beforeEach, describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, createResource } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, type TestPipeline } from '../support/pipeline.ts';

const DAY = 86_400_000;
const T0 = new Date();
const daysFrom = (days: number) => new Date(T0.getTime() + days * DAY);

/** The pipeline with its clock set: each run happens at the given instant. */
async function runAt(pipeline: TestPipeline, at: Date, campaignId: string) {
  pipeline.services.clock = () => at;
  return (await pipeline.run([campaignId])).totals.sent;
}

describe('time-based rules across runs', () => {
  const env = useTestEnvironment('per-test');
  beforeEach(() => applyExampleCampaigns(env.db));

  async function patientWith(...resources: Array<{ resourceType: string } & Record<string, unknown>>) {
    const old = { lastUpdated: daysFrom(-40).toISOString() };
    const patient = await createResource(env.fhir.baseUrl, {
      resourceType: 'Patient',
      meta: old,
      active: true,
      name: [{ given: ['Mei'] }],
    });
    for (const resource of resources) {
      await createResource(env.fhir.baseUrl, { ...resource, meta: old, subject: { reference: `Patient/${patient.id}` } } as {
        resourceType: string;
      });
    }
  }

  it('sends a delayed check-in when the prescription comes due, though the record never changed', async () => {
    await patientWith({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975', display: 'metformin ER 500 mg' }],
      },
      authoredOn: daysFrom(-13).toISOString(),
    });
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);

    expect(await runAt(pipeline, T0, 'new-medication-check-in')).toBe(0);
    expect(await runAt(pipeline, daysFrom(2), 'new-medication-check-in')).toBe(1);
    expect(await runAt(pipeline, daysFrom(3), 'new-medication-check-in')).toBe(0);
    expect(await communications(env.fhir.baseUrl)).toHaveLength(1);
  });

  it('prompts a periodic campaign once per period, and again in the next period', async () => {
    await patientWith({
      resourceType: 'Condition',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Type 2 diabetes mellitus' }] },
      onsetDateTime: daysFrom(-400).toISOString(),
    });
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);

    expect(await runAt(pipeline, T0, 'diabetes-self-management')).toBe(1);
    expect(await runAt(pipeline, daysFrom(7), 'diabetes-self-management')).toBe(0);
    expect(await runAt(pipeline, daysFrom(28), 'diabetes-self-management')).toBe(0);
    // Exactly one period after the first decision: due again, however late the first prompt was written.
    expect(await runAt(pipeline, daysFrom(30), 'diabetes-self-management')).toBe(1);
    expect(await runAt(pipeline, daysFrom(31), 'diabetes-self-management')).toBe(0);
    expect(await communications(env.fhir.baseUrl)).toHaveLength(2);
  });

  it('prompts a periodic campaign once per patient, however many of their records match in one batch', async () => {
    const diabetes = {
      resourceType: 'Condition',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Type 2 diabetes mellitus' }] },
    };
    await patientWith(
      { ...diabetes, onsetDateTime: daysFrom(-400).toISOString() },
      { ...diabetes, onsetDateTime: daysFrom(-90).toISOString() },
    );
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);

    expect(await runAt(pipeline, T0, 'diabetes-self-management')).toBe(1);
    const outcomes = (await env.db.candidate.findMany({ select: { outcome: true } })).map((row) => row.outcome).sort();
    expect(outcomes).toEqual(['already_handled', 'queued']);
    expect(await communications(env.fhir.baseUrl)).toHaveLength(1);
  });
});
