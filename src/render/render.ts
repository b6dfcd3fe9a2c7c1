/**
 * Renders one compiled template as plain text. Values are printed as-is (no HTML entities: portal
 * messages are text), and a value the patient lacks makes the render fail softly with its path, so a
 * caller can skip that patient instead of sending "Hi ,".
 */
import type Handlebars from 'handlebars';
import { canonicalLanguage, type TemplateContext } from './context.ts';
import { TemplateError } from './errors.ts';
import { helperNames, type TemplateEnvironment } from './helpers.ts';
import { strictView } from './strict-view.ts';

export type RenderResult = { ok: true; text: string } | { ok: false; missing: string[] };

export interface CompiledTemplate {
  /** Where the source came from, for errors. */
  file: string;
  /** The language the template is written in (canonical BCP 47). */
  language: string;
  run: Handlebars.TemplateDelegate;
  /** The partials this template sees, already resolved for its language. */
  partials: Record<string, Handlebars.TemplateDelegate>;
}

/** Handlebars compiles lazily and caches: each source is turned into JavaScript once, on first render. */
export function compileTemplate(env: TemplateEnvironment, ast: hbs.AST.Program): Handlebars.TemplateDelegate {
  return env.compile(ast, {
    noEscape: true,
    // Calls resolve to registered helpers only, so a context field can never shadow a helper.
    knownHelpersOnly: true,
    knownHelpers: Object.fromEntries(helperNames.map((name) => [name, true])),
  });
}

export function renderTemplate(template: CompiledTemplate, context: TemplateContext): RenderResult {
  const view = strictView(context);
  let output: string;
  try {
    output = template.run(view.root, {
      partials: template.partials,
      data: { locale: formattingLocale(context.patient.language, template.language) },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'threw a non-error';
    throw new TemplateError(template.file, `failed to render: ${reason}`, { cause: error });
  }
  const missing = view.missing();
  return missing.length > 0 ? { ok: false, missing } : { ok: true, text: normalizeText(output) };
}

/**
 * Dates and lists follow the template's language, so a message never mixes two; the patient's own tag
 * refines it when it is the same language (es-MX formatting for a Spanish template).
 */
function formattingLocale(patientLanguage: string | undefined, templateLanguage: string): string {
  const patient = patientLanguage && canonicalLanguage(patientLanguage);
  const sameLanguage = patient && new Intl.Locale(patient).language === new Intl.Locale(templateLanguage).language;
  return sameLanguage ? patient : templateLanguage;
}

/** Trailing spaces go, runs of blank lines become one, and the message has no leading or trailing space. */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
