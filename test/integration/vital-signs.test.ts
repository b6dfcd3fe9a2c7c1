/**
 * Patients whose charts hold hundreds of vital signs, against a server that caps includes (as Medplum does): the
 * HbA1c care gap reads only their HbA1c results, in a search of its own, so the include search is never refused
 * and no heart rate is paged through; each patient is still judged on the results that matter.
 */
import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../support/environment.ts';
import { createResource } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

const HOUR = 3_600_000;
const VITALS_PER_PATIENT = 400;

describe('a care gap over patients with hundreds of vital signs each', () => {
  const env = useTestEnvironment('per-file', { strict: { includeCap: 1000 } });

  it('loads only the results its criteria read, and decides each patient on them', async () => {
    const asOf = new Date();
    const observation = (patientRef: string, code: string, hoursAgo: number) => ({
      resourceType: 'Observation' as const,
      status: 'final' as const,
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { reference: patientRef },
      effectiveDateTime: new Date(asOf.getTime() - hoursAgo * HOUR).toISOString(),
    });
    const diabeticAdult = async (given: string) => {
      const patient = await createResource(env.fhir.baseUrl, {
        resourceType: 'Patient',
        active: true,
        birthDate: '1961-02-03',
        name: [{ given: [given], family: 'Mensah' }],
      });
      const patientRef = `Patient/${patient.id}`;
      await createResource(env.fhir.baseUrl, {
        resourceType: 'Condition',
        subject: { reference: patientRef },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
        onsetDateTime: '2018-01-01',
      });
      // A heart rate every six hours for 100 days: more than the server will include for the batch.
      const vitals = Array.from({ length: VITALS_PER_PATIENT }, (_, index) => observation(patientRef, '8867-4', 6 * index + 1));
      await env.fhir.load({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: vitals.map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })),
      });
      return patientRef;
    };
    const [tested, untested, alsoUntested] = [await diabeticAdult('Ama'), await diabeticAdult('Kofi'), await diabeticAdult('Esi')];
    await createResource(env.fhir.baseUrl, { ...observation(tested, '4548-4', 24 * 30), valueQuantity: { value: 7.2, unit: '%' } });
    await applyExampleCampaigns(env.db, (loaded) => loaded, ['hba1c-care-gap']);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    try {
      pipeline.services.clock = () => asOf;

      const summary = await pipeline.run(['hba1c-care-gap']);

      expect(summary.totals).toMatchObject({ failed: 0 });
      expect(env.fhir.stats().includeCapped).toBe(0);
      const statusOf = async (patientRef: string) => (await env.db.prompt.findFirstOrThrow({ where: { patientRef } })).status;
      expect(await statusOf(untested)).not.toBe('skipped');
      expect(await statusOf(alsoUntested)).not.toBe('skipped');
      expect(await env.db.prompt.findFirstOrThrow({ where: { patientRef: tested } })).toMatchObject({
        status: 'skipped',
        rule: 'criteria',
      });
      // One search for the batch's Patients, one for their HbA1c results: no page of heart rates.
      expect(summary.fhirRequests.searchPages).toBeLessThan(8);
    } finally {
      await pipeline.close();
    }
  });
});
