/**
 * How a template reads: rendered with the sample context of every trigger type (samples.ts), its body measured
 * (the message less the safety footer: the footer is the same fixed text under every message, checked apart for
 * what it must say), the hardest sample reported.
 */
import { measureReadability, type Readability, type ReadingVerdict, verdictOf } from '../readability/index.ts';
import type { TriggerResourceType } from '../triggers/index.ts';
import type { TemplateContext } from './context.ts';
import type { RenderResult } from './render.ts';
import { sampleContexts } from './samples.ts';

/** The safety footer's parts a patient must find under every message. */
export interface FooterCheck {
  /** It says when replies come (the organisation's reply time). */
  replyTime: boolean;
  /** It says where urgent symptoms go instead (the emergency number). */
  urgent: boolean;
}

export interface TemplateReading {
  template: string;
  file: string;
  /** The language the variant is written in. */
  language: string;
  /** ok ≤ grade 6 < warn ≤ grade 8 < fail; `unmeasured` for a language without a formula here. */
  verdict: ReadingVerdict | 'unmeasured';
  /** The sample whose message reads hardest. */
  sample?: TriggerResourceType;
  readability?: Readability;
  footer?: FooterCheck;
  /** Why no sample could be rendered: the values it printed that no patient has. */
  missing?: string[];
}

/** The message cut at the safety footer: what the campaign says, and the footer under it. */
export type Sections = { ok: true; body: string; footer: string } | Extract<RenderResult, { ok: false }>;

export interface MeasurableTemplate {
  template: string;
  file: string;
  language: string;
  sections(context: TemplateContext): Sections;
}

const EMERGENCY_NUMBER = /(?<!\d)911(?!\d)/;

export function readTemplate(template: MeasurableTemplate): TemplateReading {
  const { template: id, file, language } = template;
  const rendered = sampleContexts(language).map(({ trigger, context }) => ({ trigger, context, sections: template.sections(context) }));
  const measured = rendered.flatMap(({ trigger, context, sections }) =>
    sections.ok ? [{ trigger, context, sections, readability: measureReadability(sections.body, language) }] : [],
  );
  if (measured.length === 0) {
    const missing = [...new Set(rendered.flatMap(({ sections }) => (sections.ok ? [] : sections.missing)))];
    return { template: id, file, language, verdict: 'fail', missing };
  }
  const hardest = measured.reduce((worst, next) => ((next.readability?.grade ?? 0) > (worst.readability?.grade ?? 0) ? next : worst));
  const footer = {
    replyTime: hardest.sections.footer.includes(hardest.context.org.replyTime),
    urgent: EMERGENCY_NUMBER.test(hardest.sections.footer),
  };
  const { readability } = hardest;
  return {
    template: id,
    file,
    language,
    verdict: readability ? verdictOf(readability.grade) : 'unmeasured',
    sample: hardest.trigger,
    ...(readability ? { readability } : {}),
    footer,
  };
}
