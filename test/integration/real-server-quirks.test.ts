/**
 * What a real FHIR server does that the project's own forgives (see the notes on Medplum): 409 on concurrent
 * conditional creates, and a cap on included resources. Each through the fault proxy, end to end.
 */
import { describe, expect, it } from 'vitest';
import { seedPopulation } from '../../tools/demo/population.ts';
import { useFaultyFhir } from '../support/environment.ts';
import { communications, createResource, duplicatedIdentifiers, freshStitches, patientWithFreshStitches } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

describe('a FHIR server with the quirks of a real one', () => {
  const env = useFaultyFhir();

  it('sends every prompt exactly once, none failed, though a share of conditional creates meet 409', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 60, seed: 7, asOf: new Date() });
    const ana = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    const total = expected.woundCare + expected.medicationCheckIn + expected.diabetes + 1;
    env.proxy.rules.push(
      // Ana's message meets more conflicts than one request's attempts: the job queue must retry it.
      { method: 'POST', path: /^\/Communication/, body: new RegExp(`Patient/${ana.patient.id}"`), fault: 'conflict', times: 3 },
      { method: 'POST', path: /^\/Communication/, fault: 'conflict', every: 3 },
    );
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl, { FHIR_MAX_ATTEMPTS: '2' });

    const summary = await pipeline.run();

    expect(env.proxy.injected.conflict).toBeGreaterThan(total / 4);
    expect(summary.totals).toMatchObject({ sent: total, failed: 0 });
    const sent = await communications(env.fhir.baseUrl);
    expect(sent).toHaveLength(total);
    expect(duplicatedIdentifiers(sent)).toEqual([]);
    expect(await env.db.prompt.count({ where: { status: { notIn: ['sent', 'skipped'] } } })).toBe(0);
    const anas = await env.db.prompt.findFirstOrThrow({ where: { patientRef: `Patient/${ana.patient.id}` } });
    expect(anas.status).toBe('sent');
    expect(anas.attempts).toBeGreaterThanOrEqual(2);
  });

  it('prompts every patient though the server refuses every search with included records (Medplum 400)', async () => {
    env.proxy.rules.length = 0;
    const bea = await patientWithFreshStitches(env.fhir.baseUrl, 'Bea');
    const cal = await patientWithFreshStitches(env.fhir.baseUrl, 'Cal');
    env.proxy.rules.push({ method: 'GET', path: /^\/Patient\?.*_revinclude/, fault: 'cap-includes' });
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl);

    const summary = await pipeline.run(['wound-care-after-sutures']);

    expect(env.proxy.injected['cap-includes']).toBeGreaterThan(0);
    expect(summary.totals.failed).toBe(0);
    const sent = await communications(env.fhir.baseUrl);
    for (const { patient } of [bea, cal]) {
      expect(await env.db.prompt.findFirstOrThrow({ where: { patientRef: `Patient/${patient.id}` } })).toMatchObject({ status: 'sent' });
      expect(sent.filter((c) => c.subject?.reference === `Patient/${patient.id}`)).toHaveLength(1);
    }
  });

  it('sends the wound-care prompt of a patient with 1,500 Procedures, though the server refuses includes above 1,000', async () => {
    env.proxy.rules.length = 0;
    const patient = await createResource(env.fhir.baseUrl, { resourceType: 'Patient', active: true, name: [{ given: ['Dan'] }] });
    await addOldProcedures(env.fhir.baseUrl, patient.id, 1_499);
    // Last, so a fallback that stopped before the last page would not find it among the patient's records.
    await freshStitches(env.fhir.baseUrl, patient.id);
    const asked = env.proxy.arrivals.length;
    env.proxy.rules.push({ method: 'GET', path: /^\/Patient\?.*_revinclude/, fault: 'cap-includes', includeLimit: 1_000 });
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.proxy.baseUrl);

    const summary = await pipeline.run(['wound-care-after-sutures']);

    expect(env.proxy.injected['cap-includes']).toBeGreaterThan(0);
    // Every page of the patient's 1,500 Procedures (500 a page), not only the first.
    const procedurePages = env.proxy.arrivals
      .slice(asked)
      .filter(({ method, path }) => method === 'GET' && /^\/Procedure\?.*subject=/.test(path));
    expect(procedurePages).toHaveLength(3);
    expect(summary.totals.failed).toBe(0);
    const prompt = await env.db.prompt.findFirstOrThrow({ where: { patientRef: `Patient/${patient.id}` } });
    expect(prompt.status).toBe('sent');
    const delivered = (await communications(env.fhir.baseUrl)).filter((c) => c.subject?.reference === `Patient/${patient.id}`);
    expect(delivered).toHaveLength(1);
  });
});

/** `count` completed Procedures of another kind, a year old, in transaction bundles of 500. */
async function addOldProcedures(baseUrl: string, patientId: string, count: number): Promise<void> {
  const performed = new Date(Date.now() - 365 * 86_400_000).toISOString();
  for (let start = 0; start < count; start += 500) {
    const entry = Array.from({ length: Math.min(500, count - start) }, () => ({
      request: { method: 'POST', url: 'Procedure' },
      resource: {
        resourceType: 'Procedure',
        status: 'completed',
        code: { coding: [{ system: 'http://snomed.info/sct', code: '225358003', display: 'Wound care' }] },
        subject: { reference: `Patient/${patientId}` },
        performedDateTime: performed,
      },
    }));
    const response = await fetch(baseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
    });
    if (!response.ok) throw new Error(`adding Procedures answered ${response.status}`);
  }
}
