import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { templateCheck } from '../../src/app/campaign-check.ts';
import { renderFor } from '../../src/pipeline/draft-prompt.ts';
import { buildTemplateContext, factsFromPatientContext, loadTemplateRegistry } from '../../src/render/index.ts';
import type { Observation } from '../../src/triggers/index.ts';
import { campaignFixture } from '../support/campaigns.ts';
import { testConfig } from '../support/pipeline.ts';

const NOW = new Date('2026-11-26T18:00:00Z');
const OPTIONS = { defaultTimezone: 'America/Chicago', now: NOW, recentProcedureDays: 90 };
const FOOTER = '\n{{> safety-footer}}\n';
const PRINTS_VALUE = `Hi {{patient.firstName}}.\nYour A1c test came back.\nIt was {{trigger.value}}.\nPlease call us.\n${FOOTER}`;

const hba1c = (valueQuantity: Observation['valueQuantity']): Observation => ({
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-11-20',
  valueQuantity,
});

const triggerFacts = (trigger: Observation, showValue?: boolean) =>
  factsFromPatientContext({ patient: { resourceType: 'Patient', id: 'p1' }, consents: [], records: [] }, trigger, {
    ...OPTIONS,
    ...(showValue === undefined ? {} : { showValue }),
  }).trigger;

async function templatesWith(files: Record<string, string>): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'careprompt-value-')), 'templates');
  await cp('templates', dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const valueCampaign = (allowValueInMessage: boolean) =>
  campaignFixture({
    id: 'hba1c-high',
    template: 'hba1c',
    trigger: {
      resource: 'Observation',
      codes: ['http://loinc.org|4548-4'],
      status: ['final'],
      within: 'P30D',
      value: { ge: 9, unit: '%' },
    },
    review: 'required',
    allowValueInMessage,
  });

describe("the result's value in the template context", () => {
  it('is the value and the unit as written for people, only when the campaign allows it', () => {
    const observation = hba1c({ value: 9.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
    expect(triggerFacts(observation, true).value).toBe('9.4 %');
    expect(triggerFacts(observation, false)).not.toHaveProperty('value');
    expect(triggerFacts(observation)).not.toHaveProperty('value');
  });

  it("writes the number as the template's language does, every reported digit kept and no thousands separator", () => {
    const facts = (value: number, language: string) =>
      factsFromPatientContext(
        { patient: { resourceType: 'Patient', id: 'p1' }, consents: [], records: [] },
        hba1c({ value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' }),
        { ...OPTIONS, showValue: true, language },
      ).trigger.value;
    expect(facts(9.4, 'es')).toBe('9,4 %');
    expect(facts(9.4, 'en-US')).toBe('9.4 %');
    expect(facts(12.375, 'de')).toBe('12,375 %');
    expect(facts(1500, 'en')).toBe('1500 %');
  });

  it('keeps a comparator, falls back to the unit code, and is absent without a number', () => {
    expect(triggerFacts(hba1c({ value: 5, comparator: '<', system: 'http://unitsofmeasure.org', code: 'mmol/L' }), true).value).toBe(
      '<5 mmol/L',
    );
    expect(triggerFacts(hba1c({ value: 7 }), true).value).toBe('7');
    expect(triggerFacts(hba1c({ unit: '%' }), true).value).toBeUndefined();
    expect(triggerFacts(hba1c(undefined), true).value).toBeUndefined();
  });
});

describe('templates that print the value', () => {
  it('are refused for a campaign that does not allow it, naming the file, the line, the field and the fix', async () => {
    const dir = await templatesWith({ 'hba1c.hbs': PRINTS_VALUE });
    const registry = await loadTemplateRegistry(dir);
    const check = templateCheck(registry, dir);

    expect(registry.problemsOf('hba1c')).toEqual([]);
    expect(check(valueCampaign(false))).toEqual([
      {
        field: 'template',
        message: `"hba1c" cannot be used: ${path.join(dir, 'hba1c.hbs')} prints the result's value (line 3), which the campaign does not allow: set allowValueInMessage: true, or remove {{trigger.value}}`,
      },
    ]);
    expect(check(valueCampaign(true))).toEqual([]);
    // Any campaign not allowing it, with a value test or not.
    expect(registry.problemsFor({ template: 'hba1c' })).toMatchObject([{ kind: 'trigger-value', template: 'hba1c' }]);
  });

  it.each([
    ['a guard', '{{#if trigger.value}}Your result is in.{{/if}}'],
    ['a field read within the trigger', '{{#with trigger}}It was {{value}}.{{/with}}'],
    ['a lookup', 'It was {{lookup trigger "value"}}.'],
    ['a helper argument', 'It was {{#each (lookup trigger "value")}}x{{/each}}.'],
    ['the root path', 'It was {{@root.trigger.value}}.'],
  ])('are found however they read it: %s', async (_case, body) => {
    const registry = await loadTemplateRegistry(await templatesWith({ 'hba1c.hbs': `${body}\n${FOOTER}` }));
    expect(registry.problemsFor({ template: 'hba1c' }).map(({ kind }) => kind)).toEqual(['trigger-value']);
  });

  it('are found through a partial, which is the file named', async () => {
    const dir = await templatesWith({
      'partials/result-line.hbs': 'Your result was {{trigger.value}}.\n',
      'hba1c.hbs': `Hi {{patient.firstName}}.\n{{> result-line}}\n${FOOTER}`,
    });
    const registry = await loadTemplateRegistry(dir);
    expect(registry.problemsFor({ template: 'hba1c' })).toMatchObject([
      { kind: 'trigger-value', file: path.join(dir, 'partials', 'result-line.hbs'), problem: expect.stringContaining('(line 1)') },
    ]);
    expect(registry.problemsFor({ template: 'wound-care' })).toEqual([]);
  });

  it('render it for a campaign that allows it, and are measured with the sample result', async () => {
    const registry = await loadTemplateRegistry(await templatesWith({ 'hba1c.hbs': PRINTS_VALUE }));
    const observation = hba1c({ value: 9.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
    const context = buildTemplateContext({
      ...factsFromPatientContext(
        { patient: { resourceType: 'Patient', id: 'p1', name: [{ given: ['Alex'] }] }, consents: [], records: [] },
        observation,
        { ...OPTIONS, showValue: true },
      ),
      org: { name: 'Riverside Family Medicine', replyTime: '2 business days' },
      campaign: { id: 'hba1c-high', name: 'HbA1c' },
      now: NOW,
    });
    const result = registry.resolve('hba1c')?.render(context);
    expect(result).toMatchObject({ ok: true, text: expect.stringContaining('It was 9.4 %.') });
    const [reading] = registry.readingOf('hba1c').filter(({ language }) => language === 'en');
    expect(reading).toMatchObject({ verdict: 'ok', sample: 'Observation' });
  });

  it('render it as the language of the template chosen writes numbers: 9,4 for a patient who reads Spanish', async () => {
    const spanish = 'Hola {{patient.firstName}}.\nTu prueba de A1c llegó.\nFue {{trigger.value}}.\nLlámanos.\n\n{{> safety-footer}}\n';
    const templates = await loadTemplateRegistry(await templatesWith({ 'hba1c.hbs': PRINTS_VALUE, 'hba1c.es.hbs': spanish }));
    const reader = (code: string) => ({
      patient: {
        resourceType: 'Patient' as const,
        id: 'p1',
        name: [{ given: ['Alma'] }],
        communication: [{ language: { coding: [{ code }] }, preferred: true }],
      },
      consents: [],
      records: [],
    });
    const observation = hba1c({ value: 9.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
    const services = { config: testConfig('http://fhir.test/fhir'), templates };

    const inSpanish = renderFor(valueCampaign(true), reader('es'), observation, NOW, services);
    const inEnglish = renderFor(valueCampaign(true), reader('en'), observation, NOW, services);

    expect(inSpanish).toMatchObject({ kind: 'rendered', result: { ok: true, text: expect.stringContaining('Fue 9,4 %.') } });
    expect(inEnglish).toMatchObject({ kind: 'rendered', result: { ok: true, text: expect.stringContaining('It was 9.4 %.') } });
  });
});
