import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildTemplateContext,
  loadTemplateRegistry,
  type RenderResult,
  type ResolvedTemplate,
  TemplateError,
  type TemplateInput,
  type TemplateRegistry,
} from '../../src/render/index.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../../templates');

/** The variant the registry resolves, which these tests expect to exist. */
function resolved(registry: TemplateRegistry, templateId: string, language?: string): ResolvedTemplate {
  const template = registry.resolve(templateId, language);
  if (!template) throw new Error(`no ${language} variant of ${templateId}`);
  return template;
}

function input(overrides: { patient?: Partial<TemplateInput['patient']> } & Partial<Omit<TemplateInput, 'patient'>> = {}) {
  const { patient, ...rest } = overrides;
  return buildTemplateContext({
    patient: { firstName: "D'Andre", lastName: 'Nuñez', language: 'en', timezone: 'America/Los_Angeles', ...patient },
    trigger: {
      resourceType: 'Procedure',
      code: '30520003',
      system: 'http://snomed.info/sct',
      display: 'Metformin 500 mg tablet',
      date: '2026-11-24',
    },
    conditions: [{ display: 'Type 2 diabetes', code: '44054006', date: '2019-03-02' }],
    medications: [{ display: 'metformin' }, { display: 'lisinopril' }, { display: 'atorvastatin' }],
    procedures: [{ display: 'Suture of skin', date: '2026-11-24' }],
    org: { name: 'Smith & Jones Family Clinic', replyTime: '2 business days', phone: '555-0100' },
    campaign: { id: 'campaign-1', name: 'Wound care' },
    now: new Date('2026-11-26T18:00:00Z'),
    ...rest,
  });
}

function textOf(result: RenderResult): string {
  if (!result.ok) throw new Error(`expected a rendered message, missing ${result.missing.join(', ')}`);
  return result.text;
}

const EN_FOOTER_END = 'Call us at 555-0100, or call 911 in an emergency.';
const ES_FOOTER_END = 'Llámenos al 555-0100 o, si es una emergencia, llame al 911.';

describe('shipped templates', () => {
  let registry: TemplateRegistry;
  beforeAll(async () => {
    registry = await loadTemplateRegistry(SHIPPED);
  });

  it('lists the shipped template ids', () => {
    expect(registry.ids()).toEqual([
      'after-ed-visit',
      'blood-pressure-follow-up',
      'diabetes-self-management',
      'hba1c-care-gap',
      'medication-check-in',
      'wound-care',
    ]);
    expect(registry.has('wound-care')).toBe(true);
    expect(registry.has('nope')).toBe(false);
  });

  const cases = [
    {
      id: 'wound-care',
      language: 'en',
      phrases: ["Hi D'Andre,", 'You had stitches on Tuesday.', '24 to 48 hours', 'fever', '5 to 14 days'],
    },
    {
      id: 'wound-care',
      language: 'es',
      phrases: ["Hola, D'Andre:", 'Le pusieron puntos el martes.', '24 a 48 horas', 'fiebre', '5 y 14 días'],
    },
    {
      id: 'medication-check-in',
      language: 'en',
      phrases: ['How is the new Metformin 500 mg tablet going?', "don't stop taking it", 'refill'],
    },
    {
      id: 'medication-check-in',
      language: 'es',
      phrases: ['¿Cómo le va con su nuevo medicamento, Metformin 500 mg tablet?', 'no deje de tomarlo', 'resurtido'],
    },
    {
      id: 'diabetes-self-management',
      language: 'en',
      phrases: ['blood sugar', 'feet', 'A1c', 'metformin, lisinopril, and atorvastatin.'],
    },
    {
      id: 'diabetes-self-management',
      language: 'es',
      phrases: ['azúcar', 'pies', 'A1c', 'metformin, lisinopril y atorvastatin.'],
    },
    { id: 'hba1c-care-gap', language: 'en', phrases: ['no A1c blood test for you in the last 6 months', 'another clinic'] },
    { id: 'hba1c-care-gap', language: 'es', phrases: ['prueba de sangre A1c en los últimos 6 meses', 'otra clínica'] },
    { id: 'blood-pressure-follow-up', language: 'en', phrases: ['recent blood pressure reading', 'chest pain'] },
    { id: 'blood-pressure-follow-up', language: 'es', phrases: ['lectura reciente de presión arterial', 'dolor de pecho'] },
    { id: 'after-ed-visit', language: 'en', phrases: ['emergency room on Tuesday', 'follow-up visit'] },
    { id: 'after-ed-visit', language: 'es', phrases: ['sala de emergencias el martes', 'cita de seguimiento'] },
  ];

  for (const { id, language, phrases } of cases) {
    it(`renders ${id} in ${language} as plain text ending with the safety footer`, () => {
      const template = resolved(registry, id, language);
      expect(template.language).toBe(language);
      expect(template.version).toMatch(/^[0-9a-f]{16}$/);
      const text = textOf(template.render(input({ patient: { language } })));
      for (const phrase of phrases) expect(text).toContain(phrase);
      expect(text).toContain('Smith & Jones Family Clinic');
      expect(text).toContain('2 business days');
      expect(text.endsWith(language === 'es' ? ES_FOOTER_END : EN_FOOTER_END)).toBe(true);
      expect(text).not.toMatch(/&#x27;|&amp;|&#39;|Hi ,|Hola, :/);
      expect(text).not.toMatch(/[ \t]$|\n\n\n/m);
      expect(text.length).toBeLessThanOrEqual(900);
    });
  }

  it('sends urgent symptoms to the clinic or 911 when the clinic has no phone', () => {
    const context = input({ org: { name: 'Clinic', replyTime: '1 business day' } });
    expect(textOf(resolved(registry, 'wound-care').render(context))).toMatch(/Call the clinic, or call 911 in an emergency\.$/);
    expect(textOf(resolved(registry, 'wound-care', 'es').render(context))).toMatch(
      /Llame a la clínica o, si es una emergencia, llame al 911\.$/,
    );
  });

  it('leaves out the medicines line when the patient has no active medications', () => {
    const text = textOf(resolved(registry, 'diabetes-self-management').render(input({ medications: [] })));
    expect(text).not.toContain('medicines');
    expect(text).toContain('sores.\n\nYour A1c test');
  });

  it('reports a missing first name instead of greeting nobody', () => {
    for (const firstName of [undefined, '', '   ']) {
      for (const id of registry.ids()) {
        expect(resolved(registry, id).render(input({ patient: { firstName } }))).toEqual({
          ok: false,
          missing: ['patient.firstName'],
        });
      }
    }
  });

  it('reports a medication check-in without a display rather than inventing one from the code', () => {
    const context = input({ trigger: { resourceType: 'MedicationRequest', code: '860975', date: '2026-11-20' } });
    expect(resolved(registry, 'medication-check-in').render(context)).toEqual({ ok: false, missing: ['trigger.display'] });
  });

  it('resolves languages: exact, then base language; no language (or a malformed one) gets the default', () => {
    expect(resolved(registry, 'wound-care', 'es-MX').language).toBe('es');
    // No French variant: the campaign's languageFallback decides, not the registry.
    expect(registry.resolve('wound-care', 'fr')).toBeUndefined();
    expect(resolved(registry, 'wound-care', 'en-GB').language).toBe('en');
    expect(resolved(registry, 'wound-care', 'not a tag').language).toBe('en');
    expect(resolved(registry, 'wound-care').language).toBe('en');
  });

  it('names the missing file for an unknown template id', () => {
    expect(() => resolved(registry, 'nope', 'es')).toThrow(TemplateError);
    expect(() => resolved(registry, 'nope')).toThrow(`${path.join(SHIPPED, 'nope.hbs')} does not exist`);
  });
});

describe('template registry on disk', () => {
  let dir: string;
  const FOOTER = 'Replies in {{org.replyTime}}. Call 911 in an emergency.\n';

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'careprompt-templates-'));
    await mkdir(path.join(dir, 'partials'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(files: Record<string, string>) {
    for (const [name, source] of Object.entries(files)) await writeFile(path.join(dir, name), source);
  }

  async function render(source: string, context = input()) {
    await write({ 'partials/safety-footer.hbs': FOOTER, 'inline.hbs': `${source}\n{{> safety-footer}}\n` });
    return resolved(await loadTemplateRegistry(dir), 'inline').render(context);
  }

  /** The first problem found at load, as `resolve` reports it for the template it breaks. */
  async function loadError(files: Record<string, string>): Promise<TemplateError> {
    await write(files);
    const registry = await loadTemplateRegistry(dir);
    const [problem] = registry.problems();
    if (!problem) throw new Error('expected a template problem');
    const error = (() => {
      try {
        resolved(registry, problem.template);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({ file: problem.file, reason: problem.problem });
    return error as TemplateError;
  }

  it('keeps the version stable and changes it when the template or a partial it uses changes', async () => {
    await write({
      'partials/safety-footer.hbs': FOOTER,
      'partials/signature.hbs': '{{org.name}}\n',
      'partials/unused.hbs': 'unused\n',
      'note.hbs': 'Hi {{patient.firstName}}\n{{> signature}}\n{{> safety-footer}}\n',
    });
    const version = async () => resolved(await loadTemplateRegistry(dir), 'note').version;
    const first = await version();
    expect(await version()).toBe(first);

    await write({ 'partials/unused.hbs': 'still unused\n' });
    expect(await version()).toBe(first);

    await write({ 'partials/signature.hbs': 'The team at {{org.name}}\n' });
    const afterPartial = await version();
    expect(afterPartial).not.toBe(first);

    await write({ 'partials/safety-footer.hbs': `${FOOTER}Thank you.\n` });
    const afterFooter = await version();
    expect(afterFooter).not.toBe(afterPartial);

    await write({ 'note.hbs': 'Hello {{patient.firstName}}\n{{> signature}}\n{{> safety-footer}}\n' });
    expect(await version()).not.toBe(afterFooter);
  });

  it('picks the exact regional variant and gives each variant the footer in its language', async () => {
    await write({
      'partials/safety-footer.hbs': FOOTER,
      'partials/safety-footer.es.hbs': 'Llame al 911 en una emergencia.\n',
      'note.hbs': 'Hi\n{{> safety-footer}}\n',
      'note.es.hbs': 'Hola\n{{> safety-footer}}\n',
      'note.es-MX.hbs': 'Qué tal\n{{> safety-footer}}\n',
    });
    const registry = await loadTemplateRegistry(dir);
    const rendered = (language: string) => textOf(resolved(registry, 'note', language).render(input()));
    expect(resolved(registry, 'note', 'es-mx').language).toBe('es-MX');
    expect(rendered('es-MX')).toBe('Qué tal\nLlame al 911 en una emergencia.');
    expect(rendered('es-ES')).toBe('Hola\nLlame al 911 en una emergencia.');
    expect(rendered('en-US')).toBe('Hi\nReplies in 2 business days. Call 911 in an emergency.');
    expect(registry.resolve('note', 'de')).toBeUndefined();
  });

  it('rejects a template that does not end with the safety footer', async () => {
    const missing = await loadError({ 'partials/safety-footer.hbs': FOOTER, 'x.hbs': 'Hi {{patient.firstName}}\n' });
    expect(missing.message).toBe(
      `${path.join(dir, 'x.hbs')} does not include the safety footer partial {{> safety-footer}} as its last statement`,
    );
    const notLast = await loadError({ 'x.hbs': '{{> safety-footer}}\nP.S. more text\n' });
    expect(notLast.file).toBe(path.join(dir, 'x.hbs'));
    const guarded = await loadError({ 'x.hbs': '{{#if org.phone}}{{> safety-footer}}{{/if}}\n' });
    expect(guarded.reason).toMatch(/safety footer/);
  });

  it('accepts comments and blank lines after the footer', async () => {
    await write({ 'partials/safety-footer.hbs': FOOTER, 'x.hbs': 'Hi\n{{> safety-footer}}\n\n{{! end }}\n' });
    expect(textOf(resolved(await loadTemplateRegistry(dir), 'x').render(input()))).toMatch(/^Hi\nReplies/);
  });

  it('rejects a language variant with no footer in its language', async () => {
    const error = await loadError({
      'partials/safety-footer.hbs': FOOTER,
      'x.hbs': 'Hi\n{{> safety-footer}}\n',
      'x.fr.hbs': 'Bonjour\n{{> safety-footer}}\n',
    });
    expect(error.message).toBe(`${path.join(dir, 'x.fr.hbs')} has no safety footer in its language: add partials/safety-footer.fr.hbs`);
  });

  it('rejects a variant without a default-language template to fall back to', async () => {
    const error = await loadError({
      'partials/safety-footer.es.hbs': FOOTER,
      'x.es.hbs': 'Hola\n{{> safety-footer}}\n',
    });
    expect(error.message).toBe(`${path.join(dir, 'x.es.hbs')} has no default variant x.hbs to fall back to`);
  });

  it('names the file and line of a template that fails to compile', async () => {
    const error = await loadError({
      'partials/safety-footer.hbs': FOOTER,
      'broken.hbs': 'Hi\n\n{{#if patient.firstName}}\n{{/each}}\n{{> safety-footer}}\n',
    });
    expect(error.file).toBe(path.join(dir, 'broken.hbs'));
    expect(error.message).toBe(`${path.join(dir, 'broken.hbs')} failed to compile: if doesn't match each - 3:3`);
    const syntax = await loadError({ 'broken.hbs': 'Hi\n{{patient.[firstName}}\n{{> safety-footer}}\n' });
    expect(syntax.reason).toMatch(/^failed to compile: Parse error on line 2:/);
  });

  it('rejects unknown helpers, the log helper, missing partials and inline partials at load', async () => {
    const base = { 'partials/safety-footer.hbs': FOOTER };
    expect((await loadError({ ...base, 'x.hbs': 'Hi\n{{shout patient.firstName}}\n{{> safety-footer}}' })).reason).toBe(
      "uses unknown helper 'shout' (line 2)",
    );
    expect((await loadError({ ...base, 'x.hbs': '{{log patient.firstName}}{{> safety-footer}}' })).reason).toMatch(/unknown helper 'log'/);
    expect((await loadError({ ...base, 'x.hbs': '{{> signature}}\n{{> safety-footer}}' })).reason).toBe(
      "uses partial 'signature', but there is no partials/signature.hbs",
    );
    expect((await loadError({ ...base, 'x.hbs': '{{#*inline "a"}}b{{/inline}}{{> safety-footer}}' })).reason).toMatch(/inline partial/);
  });

  it('loads the good templates beside a broken one, which alone cannot be resolved', async () => {
    await write({
      'partials/safety-footer.hbs': FOOTER,
      'good.hbs': 'Hi\n{{> safety-footer}}\n',
      'bad.hbs': 'Hi {{shout patient.firstName}}\n{{> safety-footer}}\n',
      'half.hbs': 'Hi\n{{> safety-footer}}\n',
      'half.es.hbs': 'Hola\n{{> safety-footer}}\n',
    });
    const registry = await loadTemplateRegistry(dir);
    expect(textOf(resolved(registry, 'good').render(input()))).toMatch(/^Hi\nReplies/);
    expect(registry.ids()).toEqual(['bad', 'good', 'half']);
    expect(registry.has('bad')).toBe(true);
    expect(registry.problemsOf('good')).toEqual([]);
    expect(registry.problemsOf('bad')).toEqual([
      { kind: 'broken', template: 'bad', file: path.join(dir, 'bad.hbs'), problem: "uses unknown helper 'shout' (line 1)" },
    ]);
    expect(() => resolved(registry, 'bad')).toThrow(`${path.join(dir, 'bad.hbs')} uses unknown helper 'shout' (line 1)`);
    // A variant without its footer breaks the whole template: Spanish speakers must not quietly get English.
    expect(registry.problemsOf('half')).toEqual([
      {
        kind: 'broken',
        template: 'half',
        file: path.join(dir, 'half.es.hbs'),
        problem: 'has no safety footer in its language: add partials/safety-footer.es.hbs',
      },
    ]);
    expect(() => resolved(registry, 'half', 'en')).toThrow(TemplateError);
    expect(registry.problems().map((problem) => problem.template)).toEqual(['bad', 'half']);
  });

  it('breaks only the templates using a broken partial, and reports the partial itself', async () => {
    await write({
      'partials/safety-footer.hbs': FOOTER,
      'partials/signature.hbs': '{{#shout}}x{{/shout}}\n',
      'signed.hbs': 'Hi\n{{> signature}}\n{{> safety-footer}}\n',
      'plain.hbs': 'Hi\n{{> safety-footer}}\n',
    });
    const registry = await loadTemplateRegistry(dir);
    const partialFile = path.join(dir, 'partials/signature.hbs');
    expect(registry.problems()).toEqual([
      { kind: 'broken', template: 'partials/signature', file: partialFile, problem: "uses unknown helper 'shout' (line 1)" },
      {
        kind: 'broken',
        template: 'signed',
        file: path.join(dir, 'signed.hbs'),
        problem: `uses partial 'signature', which cannot be used: ${partialFile} uses unknown helper 'shout' (line 1)`,
      },
    ]);
    expect(registry.problemsOf('plain')).toEqual([]);
    expect(resolved(registry, 'plain').version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses partials that include themselves, naming the template and the cycle', async () => {
    const self = await loadError({
      'partials/safety-footer.hbs': FOOTER,
      'partials/loop.hbs': 'loop {{> loop}}\n',
      'x.hbs': 'Hi\n{{> loop}}\n{{> safety-footer}}\n',
    });
    expect(self.message).toBe(`${path.join(dir, 'x.hbs')} uses partials that include themselves (loop → loop): remove the cycle`);
    await rm(path.join(dir, 'partials/loop.hbs'));
    const pair = await loadError({
      'partials/a.hbs': 'a {{> b}}\n',
      'partials/b.hbs': 'b {{> a}}\n',
      'x.hbs': 'Hi\n{{> a}}\n{{> safety-footer}}\n',
    });
    expect(pair.reason).toBe('uses partials that include themselves (a → b → a): remove the cycle');
    // A partial used twice without a cycle is fine.
    await write({ 'partials/b.hbs': 'b\n', 'partials/a.hbs': 'a {{> b}}\n', 'x.hbs': 'Hi\n{{> a}}{{> b}}\n{{> safety-footer}}\n' });
    expect(textOf(resolved(await loadTemplateRegistry(dir), 'x').render(input()))).toMatch(/^Hi\na b\n+b\n+Replies/);
  });

  it('refuses templates reading constructor, __proto__, prototype or other built-in names', async () => {
    const base = { 'partials/safety-footer.hbs': FOOTER };
    const reason = async (line: string) => (await loadError({ ...base, 'x.hbs': `Hi\n${line}\n{{> safety-footer}}` })).reason;
    expect(await reason('{{constructor}}')).toBe(
      "reads 'constructor' (line 2), which is not a template field (see Templates in the README)",
    );
    expect(await reason('{{patient.__proto__.x}}')).toMatch(/^reads '__proto__' \(line 2\)/);
    expect(await reason('{{#each conditions}}{{this.constructor.name}}{{/each}}')).toMatch(/^reads 'constructor'/);
    expect(await reason('{{lookup patient "constructor"}}')).toMatch(/^reads 'constructor'/);
    expect(await reason('{{formatDate trigger.prototype}}')).toMatch(/^reads 'prototype'/);
    expect(await reason('{{#if @root.hasOwnProperty}}x{{/if}}')).toMatch(/^reads 'hasOwnProperty'/);
    expect(await reason('{{> safety-footer org.valueOf}}')).toMatch(/^reads 'valueOf'/);
  });

  it('treats empty values inside #if, #unless, #with and #each as optional', async () => {
    const context = input({ patient: { firstName: '' }, org: { name: 'Clinic', replyTime: 'a day' }, medications: [] });
    const result = await render(
      [
        '{{#if patient.firstName}}Hi {{patient.firstName}},{{else}}Hello,{{/if}}',
        '{{#unless org.phone}}No phone.{{/unless}}',
        '{{#with org.phone}}Phone {{this}}{{else}}Still no phone.{{/with}}',
        '{{#each medications}}{{display}}{{else}}No medicines.{{/each}}',
        '{{#if patient.nickname}}{{patient.nickname}}{{/if}}',
      ].join('\n'),
      context,
    );
    expect(textOf(result)).toBe('Hello,\nNo phone.\nStill no phone.\nNo medicines.\n\nReplies in a day. Call 911 in an emergency.');
  });

  it('reports every missing path, including unknown fields and empty list items, in template order', async () => {
    const context = input({ org: { name: 'Clinic', replyTime: '' }, medications: [{ code: '1' }, { display: 'aspirin' }] });
    const result = await render(
      '{{patient.nickname}} {{#each medications}}{{display}} {{/each}}{{procedures.[3].display}} {{org.phone}} {{org.phone}}',
      context,
    );
    expect(result).toEqual({
      ok: false,
      missing: ['patient.nickname', 'medications[0].display', 'procedures[3].display', 'org.phone', 'org.replyTime'],
    });
  });

  it('prints text as-is, normalises whitespace and leaves the caller context untouched', async () => {
    const context = Object.freeze(input({ patient: { firstName: 'Zoë & <Ann>' } }));
    const before = structuredClone(context);
    const result = await render('  \n\nHi {{patient.firstName}},   \n\n\n\n\nBye   ', context);
    expect(textOf(result)).toBe('Hi Zoë & <Ann>,\n\nBye\nReplies in 2 business days. Call 911 in an emergency.');
    expect(context).toEqual(before);
  });
});
