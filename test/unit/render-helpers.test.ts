import { describe, expect, it } from 'vitest';
import { buildTemplateContext, type TemplateInput } from '../../src/render/context.ts';
import { TemplateError } from '../../src/render/errors.ts';
import { createTemplateEnvironment } from '../../src/render/helpers.ts';
import { compileTemplate, type RenderResult, renderTemplate } from '../../src/render/render.ts';

interface Options {
  /** The language the template is written in. */
  language?: string;
  timezone?: string;
  patientLanguage?: string;
  date?: string;
  now?: string;
  medications?: TemplateInput['medications'];
}

function render(source: string, options: Options = {}): RenderResult {
  const env = createTemplateEnvironment();
  const run = compileTemplate(env, env.parseWithoutProcessing(source));
  const language = options.language ?? 'en';
  const context = buildTemplateContext({
    patient: {
      firstName: 'Ana',
      language: options.patientLanguage ?? language,
      timezone: options.timezone ?? 'America/Los_Angeles',
    },
    trigger: { resourceType: 'Procedure', display: 'Suture of skin', date: options.date },
    conditions: [],
    medications: options.medications ?? [],
    procedures: [],
    org: { name: 'Clinic', replyTime: '2 days' },
    campaign: { id: 'c', name: 'C' },
    now: new Date(options.now ?? '2026-11-26T18:00:00Z'),
  });
  return renderTemplate({ file: 'inline.hbs', language, run, partials: {} }, context);
}

function text(source: string, options: Options = {}): string {
  const result = render(source, options);
  if (!result.ok) throw new Error(`missing ${result.missing.join(', ')}`);
  return result.text;
}

describe('formatDate', () => {
  it('prints a date-only value as the same calendar day in every time zone', () => {
    for (const timezone of ['America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'UTC']) {
      expect(text('{{formatDate trigger.date}}', { date: '2026-11-24', timezone })).toBe('November 24, 2026');
    }
  });

  it('prints a dateTime as the patient-local day', () => {
    const date = '2026-11-25T03:30:00Z';
    expect(text('{{formatDate trigger.date}}', { date, timezone: 'America/Los_Angeles' })).toBe('November 24, 2026');
    expect(text('{{formatDate trigger.date}}', { date, timezone: 'UTC' })).toBe('November 25, 2026');
    expect(text('{{formatDate trigger.date}}', { date: '2026-11-24T20:00:00-05:00', timezone: 'Asia/Tokyo' })).toBe('November 25, 2026');
  });

  it('supports long, short and weekday styles in the template language', () => {
    const source = '{{formatDate trigger.date}} | {{formatDate trigger.date "short"}} | {{formatDate trigger.date "weekday"}}';
    expect(text(source, { date: '2026-11-24' })).toBe('November 24, 2026 | Nov 24, 2026 | Tuesday, November 24');
    expect(text(source, { date: '2026-11-24', language: 'es' })).toBe('24 de noviembre de 2026 | 24 nov 2026 | martes, 24 de noviembre');
  });

  it('formats in the template language, never mixing in the patient language', () => {
    expect(text('{{formatDate trigger.date}}', { date: '2026-11-24', patientLanguage: 'es' })).toBe('November 24, 2026');
  });

  it('reports an absent date as missing', () => {
    expect(render('On {{formatDate trigger.date}}.')).toEqual({ ok: false, missing: ['trigger.date'] });
    expect(text('{{#if trigger.date}}On {{formatDate trigger.date}}.{{/if}}Done')).toBe('Done');
  });

  it('rejects misuse with the helper named and no patient value', () => {
    const misuse = () => render('{{formatDate patient.firstName}}');
    expect(misuse).toThrow(TemplateError);
    expect(misuse).toThrow('inline.hbs failed to render: formatDate expects a date (YYYY-MM-DD) or a dateTime with an offset');
    expect(misuse).not.toThrow(/Ana/);
    expect(() => render('{{formatDate trigger.date "fancy"}}', { date: '2026-11-24' })).toThrow(
      'formatDate style must be one of long, short, weekday',
    );
  });
});

describe('relativeDay', () => {
  const now = '2026-11-26T18:00:00Z'; // Thursday 10:00 in Los Angeles
  const cases = [
    { date: '2026-11-26', en: 'today', es: 'hoy' },
    { date: '2026-11-25', en: 'yesterday', es: 'ayer' },
    { date: '2026-11-27', en: 'tomorrow', es: 'mañana' },
    { date: '2026-11-24', en: 'on Tuesday', es: 'el martes' },
    { date: '2026-11-20', en: 'on Friday', es: 'el viernes' },
    { date: '2026-11-30', en: 'on Monday', es: 'el lunes' },
    { date: '2026-11-19', en: 'on November 19, 2026', es: 'el 19 de noviembre de 2026' },
    { date: '2026-11-03T16:00:00Z', en: 'on November 3, 2026', es: 'el 3 de noviembre de 2026' },
  ];
  for (const { date, en, es } of cases) {
    it(`says ${date} is "${en}" / "${es}"`, () => {
      expect(text('{{relativeDay trigger.date}}', { date, now })).toBe(en);
      expect(text('{{relativeDay trigger.date}}', { date, now, language: 'es' })).toBe(es);
    });
  }

  it('counts days in the patient time zone around midnight', () => {
    const lateEvening = '2026-11-25T05:00:00Z'; // 21:00 on the 24th in Los Angeles, already the 25th in UTC
    expect(text('{{relativeDay trigger.date}}', { date: '2026-11-24', now: lateEvening })).toBe('today');
    expect(text('{{relativeDay trigger.date}}', { date: '2026-11-24', now: lateEvening, timezone: 'UTC' })).toBe('yesterday');
    expect(text('{{relativeDay trigger.date}}', { date: '2026-11-25T04:30:00Z', now: lateEvening })).toBe('today');
  });

  it('falls back to Intl.RelativeTimeFormat for other languages', () => {
    expect(text('{{relativeDay trigger.date}}', { date: '2026-11-16', now, language: 'fr' })).toBe('il y a 10 jours');
  });
});

describe('list', () => {
  const three = [{ display: 'metformin' }, { display: 'lisinopril' }, { display: 'atorvastatin' }];

  it('joins 1 and 3 items with the locale conjunction', () => {
    expect(text('{{list medications}}', { medications: [{ display: 'metformin' }] })).toBe('metformin');
    expect(text('{{list medications}}', { medications: three })).toBe('metformin, lisinopril, and atorvastatin');
    expect(text('{{list medications}}', { medications: three, language: 'es' })).toBe('metformin, lisinopril y atorvastatin');
  });

  it('skips items without the field and can list another field', () => {
    const medications = [{ display: 'metformin', code: '860975' }, { code: '314076' }, { display: ' ' }];
    expect(text('{{list medications}}', { medications })).toBe('metformin');
    expect(text('{{list medications field="code"}}', { medications, language: 'es' })).toBe('860975 y 314076');
  });

  it('reports an empty list as missing unless guarded, in en and es', () => {
    for (const language of ['en', 'es']) {
      expect(render('Taking {{list medications}}.', { language })).toEqual({ ok: false, missing: ['medications'] });
      expect(render('Taking {{list medications}}.', { language, medications: [{ code: '1' }] })).toEqual({
        ok: false,
        missing: ['medications'],
      });
      expect(text('{{#if medications}}Taking {{list medications}}.{{/if}}Done', { language })).toBe('Done');
    }
  });
});

describe('lower and capitalize', () => {
  it('change case in the template locale', () => {
    expect(text('{{lower trigger.display}} / {{capitalize (lower trigger.display)}}')).toBe('suture of skin / Suture of skin');
    expect(text('{{capitalize (relativeDay trigger.date)}}', { date: '2026-11-26', language: 'es' })).toBe('Hoy');
  });

  it('pass absent values through so the render reports them', () => {
    expect(render('{{capitalize (lower patient.lastName)}}')).toEqual({ ok: false, missing: ['patient.lastName'] });
  });
});
