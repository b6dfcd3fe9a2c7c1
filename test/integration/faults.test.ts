import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPopulation } from '../../src/demo/population.ts';
import { type FhirTestServer, startFhirServer } from '../../src/fhir-server/index.ts';
import type { Db } from '../../src/store/index.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';
import { communications, createResource, duplicatedIdentifiers } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, emptyDatabase, testDb } from '../support/pipeline.ts';

describe('an unreliable FHIR server', () => {
  let db: Db;
  let fhir: FhirTestServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    db = testDb();
    await emptyDatabase(db);
    fhir = await startFhirServer();
    proxy = await startFaultProxy(fhir.baseUrl);
  });
  afterAll(async () => {
    await proxy.close();
    await fhir.close();
    await db.$disconnect();
  });

  it('still ends with every prompt sent exactly once through 429s, 503s, timeouts and lost responses', async () => {
    const expected = await seedPopulation(fhir.baseUrl, { patients: 120, seed: 21, asOf: new Date() });
    const total = expected.woundCare + expected.medicationCheckIn + expected.diabetes;
    proxy.rules.push(
      // The server creates the Communication, but the engine never hears back: the retry must not make a second.
      { method: 'POST', path: /^\/Communication/, fault: 'lose-response', every: 3 },
      { method: 'POST', path: /^\/Communication/, fault: 'unavailable', every: 5 },
      { method: 'POST', path: /^\/Communication/, fault: 'hang', every: 7, times: 3 },
      { method: 'GET', path: /^\/(Procedure|Condition|MedicationRequest)\?/, fault: 'rate-limit', every: 2 },
      { method: 'GET', path: /^\/Patient\?/, fault: 'unavailable', every: 4 },
      { method: 'GET', path: /^\/Patient\?/, fault: 'hang', every: 9, times: 2 },
    );
    await applyExampleCampaigns(db);
    const pipeline = await createTestPipeline(db, proxy.baseUrl, { FHIR_TIMEOUT_MS: '300' });

    const summary = await pipeline.run();

    expect(proxy.injected['lose-response']).toBeGreaterThan(5);
    expect(proxy.injected.unavailable).toBeGreaterThan(5);
    expect(proxy.injected['rate-limit']).toBeGreaterThan(0);
    expect(proxy.injected.hang).toBe(5);
    expect(summary.totals).toMatchObject({ sent: total, failed: 0 });
    const sent = await communications(fhir.baseUrl);
    expect(sent).toHaveLength(total);
    expect(duplicatedIdentifiers(sent)).toEqual([]);
    expect(await db.prompt.count({ where: { status: { not: 'sent' }, NOT: { status: 'skipped' } } })).toBe(0);
  });

  it('records a refused message as failed with the server OperationOutcome, without retrying it', async () => {
    proxy.rules.length = 0;
    const before = proxy.injected.reject;
    proxy.rules.push({ method: 'POST', path: /^\/Communication/, fault: 'reject' });
    const patient = await createResource(fhir.baseUrl, { resourceType: 'Patient', active: true, name: [{ given: ['Ana'] }] });
    await createResource(fhir.baseUrl, {
      resourceType: 'Procedure',
      status: 'completed',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '18557009' }] },
      subject: { reference: `Patient/${patient.id}` },
      performedDateTime: new Date().toISOString(),
    });
    const pipeline = await createTestPipeline(db, proxy.baseUrl);

    const summary = await pipeline.run(['wound-care-after-sutures']);

    expect(summary.totals).toMatchObject({ sent: 0, failed: 1 });
    expect(proxy.injected.reject - before).toBe(1);
    const failed = await db.prompt.findFirstOrThrow({ where: { patientRef: `Patient/${patient.id}` } });
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.reason).toContain('HTTP 422');
    expect(failed.reason).toContain('recipient has no portal account');
  });
});
