/**
 * A result-value campaign with `resultsMessaging: patient-preference` over in-memory ports: each patient's prompt
 * is queued or held for review by their results-by-message preference (Consent, or the local word over it).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Campaign } from '../../src/campaigns/index.ts';
import type { FhirResource } from '../../src/fhir/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { type Context, evaluateCandidates, pollCampaign, SEND_RULES, sendPrompts } from '../../src/pipeline/index.ts';
import { loadTemplateRegistry, type TemplateRegistry } from '../../src/render/index.ts';
import { createValueSetSource } from '../../src/valuesets/index.ts';
import { createMemoryFhir, createMemoryStore, createMemoryTransport, createRecordingEnqueue } from '../support/memory-ports.ts';
import { testConfig } from '../support/pipeline.ts';

const NOW = new Date('2026-03-02T15:00:00.000Z');
const RESULTS_CODE = { system: 'urn:careprompt:consent', code: 'results-by-message' };

const campaignFile = {
  id: 'a1c-result',
  name: 'A1c result',
  schedule: { cron: '0 9 * * *' },
  trigger: { resource: 'Observation', codes: ['http://loinc.org|4548-4'], status: ['final'], value: { ge: 9, unit: '%' } },
  template: 'diabetes-self-management',
  resultsMessaging: 'patient-preference',
};

const patient = (id: string): FhirResource => ({ resourceType: 'Patient', id, active: true, name: [{ given: ['Ana'] }] });
const a1c = (id: string, patientId: string): FhirResource => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2026-03-01T10:00:00Z',
  valueQuantity: { value: 9.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
});
const consent = (id: string, patientId: string, type: 'permit' | 'deny'): FhirResource => ({
  resourceType: 'Consent',
  id,
  status: 'active',
  patient: { reference: `Patient/${patientId}` },
  provision: { type, code: [{ coding: [RESULTS_CODE] }] },
});

let templates: TemplateRegistry;
beforeAll(async () => {
  templates = await loadTemplateRegistry('templates');
});

/** Polls and evaluates the campaign over these records and local preferences: the store and context, for sending after. */
async function evaluated(campaign: Campaign, fhir: FhirResource[], local: Array<{ patientRef: string; byMessage: boolean }> = []) {
  const store = createMemoryStore(() => NOW, [campaign]);
  for (const preference of local) store.resultsPreferences.push({ ...preference, note: null, recordedBy: 'nurse-kim', recordedAt: NOW });
  const queued = createRecordingEnqueue();
  const transport = createMemoryTransport();
  const ctx: Context = {
    store,
    gateway: createMemoryFhir(fhir),
    templates,
    valueSets: createValueSetSource({ dir: 'jobs/valuesets' }),
    transports: new Map([[transport.channel, transport]]),
    sendRules: SEND_RULES,
    config: testConfig('http://fhir.test'),
    logger: silentLogger,
    clock: () => NOW,
    enqueue: queued.enqueue,
  };
  await pollCampaign({ campaignId: campaign.id }, ctx);
  for (const work of queued.evaluations.splice(0)) await evaluateCandidates(work, ctx);
  return { store, ctx };
}

async function statusesOf(...args: Parameters<typeof evaluated>) {
  const { store } = await evaluated(...args);
  return Object.fromEntries([...store.prompts.values()].map((prompt) => [prompt.patientRef, [prompt.status, prompt.reason ?? null]]));
}

describe('results by message at decision', () => {
  const records = [
    ...['yes', 'none', 'no', 'local-no', 'local-yes'].flatMap((id) => [patient(id), a1c(`a1c-${id}`, id)]),
    consent('c-yes', 'yes', 'permit'),
    consent('c-no', 'no', 'deny'),
    consent('c-local-no', 'local-no', 'permit'),
    consent('c-local-yes', 'local-yes', 'deny'),
  ];
  const local = [
    { patientRef: 'Patient/local-no', byMessage: false },
    { patientRef: 'Patient/local-yes', byMessage: true },
  ];

  it('queues the result for a patient who chose results by message and holds it, with the reason, for the others', async () => {
    expect(await statusesOf(Campaign.parse(campaignFile), records, local)).toEqual({
      'Patient/yes': ['queued', null],
      'Patient/none': ['pending_review', 'held for review: no results-by-message preference'],
      'Patient/no': ['pending_review', 'held for review: results by message declined (consent Consent/c-no)'],
      'Patient/local-no': ['pending_review', 'held for review: results by message declined (local)'],
      'Patient/local-yes': ['queued', null],
    });
  });

  it('holds every result of a campaign whose results are always reviewed, whatever the preference', async () => {
    const reviewed = Campaign.parse({ ...campaignFile, resultsMessaging: 'review', review: 'required' });
    const statuses = Object.values(await statusesOf(reviewed, records, local));
    expect(statuses).toEqual(Array(5).fill(['pending_review', null]));
  });

  it('holds at send time a result whose patient took back results by message after it was queued', async () => {
    const { store, ctx } = await evaluated(Campaign.parse(campaignFile), records, local);
    const prompt = [...store.prompts.values()].find((row) => row.patientRef === 'Patient/local-yes');
    if (!prompt) throw new Error('expected a prompt for Patient/local-yes');
    expect(prompt.status).toBe('queued');
    const [preference] = store.resultsPreferences.filter((row) => row.patientRef === 'Patient/local-yes');
    if (preference) preference.byMessage = false;

    expect((await sendPrompts({ promptIds: [prompt.id] }, ctx)).get(prompt.id)).toBe('held-for-review');
    expect(prompt.status).toBe('pending_review');
    expect(prompt.reason).toBe('held for review: results by message declined (local)');
  });
});
