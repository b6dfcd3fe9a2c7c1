/**
 * A poll whose search would not fit in one URL, against a server that refuses long ones (414) as the web servers in
 * front of EHRs do: when HbA1c results arrive for every patient of the care gap's cohort, the next poll asks for
 * those patients' Conditions (`subject=Patient/a,Patient/b,…`), a list longer than the server takes.
 */
import { describe, expect, it } from 'vitest';
import { seedPopulation } from '../../tools/demo/population.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { createResource, type FhirJson, searchAll } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

const COHORT_QUERY =
  'Condition?code=http://snomed.info/sct|44054006,http://hl7.org/fhir/sid/icd-10-cm|E11.9&clinical-status=active,recurrence,relapse&_count=500';

describe('a search longer than the server takes in one URL', () => {
  const env = useTestEnvironment('per-file', { strict: { maxUrlLength: 2000 } });

  it('is refused (414) when asked in one URL, and answered whole when asked in parts', async () => {
    const asOf = new Date();
    await seedPopulation(env.fhir.baseUrl, { patients: 200, seed: 21, asOf });
    await applyExampleCampaigns(env.db, (loaded) => loaded, ['hba1c-care-gap']);
    const inParts = await createTestPipeline(env.db, env.fhir.baseUrl, { FHIR_MAX_QUERY_LENGTH: '1500' });
    const inOneUrl = await createTestPipeline(env.db, env.fhir.baseUrl, { FHIR_MAX_QUERY_LENGTH: '100000' });
    inParts.services.clock = () => asOf;
    const first = await inParts.run(['hba1c-care-gap']);
    expect(first.campaigns[0]?.pollFailed).toBe(false);

    // A new HbA1c for every patient of the cohort: each may close a care gap, so each patient's Conditions are asked for.
    const cohort = await searchAll(env.fhir.baseUrl, COHORT_QUERY);
    const patients = [...new Set(cohort.map((condition: FhirJson) => condition.subject.reference as string))];
    expect(patients.length).toBeGreaterThan(40);
    for (const reference of patients) {
      await createResource(env.fhir.baseUrl, {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
        subject: { reference },
        effectiveDateTime: new Date(asOf.getTime() - 3_600_000).toISOString(),
        valueQuantity: { value: 7.1, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      });
    }

    inOneUrl.services.clock = () => new Date(asOf.getTime() + 3_600_000);
    const refused = await inOneUrl.run(['hba1c-care-gap']);
    expect(refused.campaigns[0]?.pollFailed).toBe(true);
    expect(env.fhir.stats().uriTooLong).toBeGreaterThan(0);

    const refusedSoFar = env.fhir.stats().uriTooLong;
    inParts.services.clock = () => new Date(asOf.getTime() + 7_200_000);
    const answered = await inParts.run(['hba1c-care-gap']);

    expect(env.fhir.stats().uriTooLong).toBe(refusedSoFar);
    expect(answered.campaigns[0]).toMatchObject({ pollFailed: false, matched: cohort.length });
    await Promise.all([inParts.close(), inOneUrl.close()]);
  });
});
