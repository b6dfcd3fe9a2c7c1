import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Campaign, planTriggerSearches, triggerMatches } from '../../src/campaigns/index.ts';
import { createFhirGateway, type FhirGateway } from '../../src/fhir/index.ts';
import { TriggerResource } from '../../src/triggers/index.ts';
import { type FhirTestServer, startFhirServer } from '../../tools/fhir-server/index.ts';
import { campaignFixture } from '../support/campaigns.ts';
import { createResource } from '../support/fhir-data.ts';

const NOW = new Date('2026-11-26T12:00:00.000Z');
const NO_VALUE_SETS = new Map();
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

let server: FhirTestServer;
let gateway: FhirGateway;
let subject: { reference: string };

beforeAll(async () => {
  server = await startFhirServer();
  gateway = createFhirGateway({ baseUrl: server.baseUrl });
  const patient = await createResource(server.baseUrl, { resourceType: 'Patient' });
  subject = { reference: `Patient/${patient.id}` };
});
afterAll(async () => {
  await server.close();
});

/** The ids a campaign's first poll finds on the server, and those of them eligibility then prompts for. */
async function poll(campaign: Campaign): Promise<{ found: string[]; prompted: string[] }> {
  const [search] = planTriggerSearches(campaign, {}, NOW, 0, NO_VALUE_SETS);
  if (!search) throw new Error('no search planned');
  const found: TriggerResource[] = [];
  for await (const page of gateway.searchPages(search.resourceType, search.params)) {
    found.push(...page.matches.map((resource) => TriggerResource.parse(resource)));
  }
  const prompted = found.filter((resource) => triggerMatches(campaign, resource, NOW, NO_VALUE_SETS).kind === 'prompt');
  return { found: found.map((resource) => resource.id).sort(), prompted: prompted.map((resource) => resource.id).sort() };
}

const encounter = (fields: Record<string, unknown>) =>
  createResource(server.baseUrl, { resourceType: 'Encounter', status: 'finished', subject, ...fields }).then((created) => created.id);
const hba1c = (fields: Record<string, unknown>) =>
  createResource(server.baseUrl, {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '4548-4' }] },
    subject,
    ...fields,
  }).then((created) => created.id);

describe('Encounter and Observation triggers against the FHIR test server', () => {
  it('finds emergency visits by class and admissions by type, ended within the window', async () => {
    const emergency = { system: ACT_CODE, code: 'EMER' };
    const admission = [{ coding: [{ system: SNOMED, code: '32485007', display: 'Hospital admission' }] }];
    const recentVisit = await encounter({ class: emergency, period: { start: '2026-11-23T20:00:00Z', end: '2026-11-24T02:00:00Z' } });
    const oldVisit = await encounter({ class: emergency, period: { start: '2026-10-01T20:00:00Z', end: '2026-10-02T02:00:00Z' } });
    const ambulatory = await encounter({ class: { system: ACT_CODE, code: 'AMB' }, period: { end: '2026-11-25T10:00:00Z' } });
    const stillOpen = await encounter({ class: emergency, status: 'in-progress', period: { start: '2026-11-25T20:00:00Z' } });
    const admitted = await encounter({
      class: { system: ACT_CODE, code: 'IMP' },
      type: admission,
      period: { start: '2026-11-20T08:00:00Z', end: '2026-11-25T10:00:00Z' },
    });

    const byClass = campaignFixture({
      id: 'after-emergency',
      trigger: { resource: 'Encounter', codes: [`${ACT_CODE}|EMER`], status: ['finished'], within: 'P7D' },
    });
    const [classSearch] = planTriggerSearches(byClass, {}, NOW, 0, NO_VALUE_SETS);
    expect(classSearch?.params).toMatchObject({ class: `${ACT_CODE}|EMER`, status: 'finished', date: expect.stringMatching(/^ge/) });
    const classPoll = await poll(byClass);
    expect(classPoll.found).toEqual([recentVisit]);
    expect(classPoll.prompted).toEqual([recentVisit]);
    expect(classPoll.found).not.toContain(oldVisit);
    expect(classPoll.found).not.toContain(ambulatory);
    expect(classPoll.found).not.toContain(stillOpen);

    const byType = campaignFixture({
      id: 'after-admission',
      trigger: { resource: 'Encounter', codes: [`${SNOMED}|32485007`], status: ['finished'], within: 'P7D' },
    });
    expect(await poll(byType)).toEqual({ found: [admitted], prompted: [admitted] });
  });

  it('finds final, amended and corrected results by code, status and date; eligibility then tests the value', async () => {
    const ucum = (value: number, code: string) => ({ valueQuantity: { value, unit: code, system: UCUM, code } });
    const high = await hba1c({ effectiveDateTime: '2026-11-20T09:00:00Z', ...ucum(9.4, '%') });
    const highIfcc = await hba1c({ status: 'amended', effectiveDateTime: '2026-11-21T09:00:00Z', ...ucum(80, 'mmol/mol') });
    const normal = await hba1c({ status: 'corrected', effectiveDateTime: '2026-11-22T09:00:00Z', ...ucum(6.1, '%') });
    await hba1c({ status: 'preliminary', effectiveDateTime: '2026-11-23T09:00:00Z', ...ucum(9.9, '%') });
    await hba1c({ effectiveDateTime: '2026-09-01T09:00:00Z', ...ucum(9.9, '%') });
    await createResource(server.baseUrl, {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '2345-7', display: 'Glucose' }] },
      subject,
      effectiveDateTime: '2026-11-20T09:00:00Z',
      ...ucum(180, 'mg/dL'),
    });

    const campaign = campaignFixture({
      id: 'hba1c-high',
      trigger: {
        resource: 'Observation',
        codes: [`${LOINC}|4548-4`],
        status: ['final', 'amended', 'corrected'],
        within: 'P30D',
        value: { ge: 9, unit: '%' },
      },
      review: 'required',
    });
    const [search] = planTriggerSearches(campaign, {}, NOW, 0, NO_VALUE_SETS);
    expect(search?.params).toMatchObject({
      code: `${LOINC}|4548-4`,
      status: 'final,amended,corrected',
      date: expect.stringMatching(/^ge/),
    });
    expect(await poll(campaign)).toEqual({ found: [high, highIfcc, normal].sort(), prompted: [high, highIfcc].sort() });
  });
});
