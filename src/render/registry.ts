/**
 * The template registry: every `<dir>/*.hbs` template and `<dir>/partials/*.hbs` partial, read, checked
 * and compiled once at start-up.
 *
 * Glossary
 * - template id: the file name up to the first dot (`wound-care`).
 * - variant: `<id>.hbs` is written in the default language; `<id>.<lang>.hbs` in <lang> (`wound-care.es.hbs`).
 *   Partials follow the same rule, and a template sees the partials of its own language: a Spanish
 *   template's `{{> safety-footer}}` is `partials/safety-footer.es.hbs`.
 * - version: 16 hex chars of sha256 over the template's source and the sources of the partials it uses
 *   (directly or through other partials, as resolved for its language). Helper code is not part of it.
 * - safety footer: every template must end with `{{> safety-footer}}`, in its own language.
 * - problem: why a template cannot be used (it does not parse, calls an unknown helper, reads a JavaScript
 *   built-in, lacks its footer, uses a missing or broken partial, or its partials include themselves). A problem
 *   in any variant of a template, or in any variant of a partial it uses, makes the whole template unusable: a
 *   broken Spanish variant must not quietly send the English one. The registry loads every other template;
 *   only the campaigns using a broken one are stopped.
 * - value: a template (or a partial it uses) that reads `trigger.value`, the result's value, is a problem for the
 *   campaigns using it that do not allow that (`allowValueInMessage`); their prompts' context never holds the value.
 * - reading: how each variant reads with the sample contexts (reading.ts). A variant above grade 8 is a problem
 *   for the campaigns using the template that do not waive it (`readingLevelWaiver`), not for the template.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type Handlebars from 'handlebars';
import { GRADE_LIMIT } from '../readability/index.ts';
import { canonicalLanguage, type TemplateContext } from './context.ts';
import { TemplateError } from './errors.ts';
import { createTemplateEnvironment, helperNames, type TemplateEnvironment } from './helpers.ts';
import { readTemplate, type Sections, type TemplateReading } from './reading.ts';
import { type CompiledTemplate, compileTemplate, normalizeText, type RenderResult, renderTemplate } from './render.ts';
import { type TemplateShape, TemplateShapeError, templateShape } from './template-shape.ts';

export const SAFETY_FOOTER = 'safety-footer';

export interface ResolvedTemplate {
  templateId: string;
  /** The language the chosen variant is written in (canonical BCP 47). */
  language: string;
  version: string;
  render(context: TemplateContext): RenderResult;
}

/** Why a template cannot be used. Names ids, files and template syntax only, never values. */
export interface TemplateProblem {
  /**
   * broken: no campaign can use it; reading-level: above grade 8, usable by a campaign that waives that;
   * trigger-value: prints the result's value, usable by a campaign that allows that (`allowValueInMessage`).
   */
  kind: 'broken' | 'reading-level' | 'trigger-value';
  /** The template id whose campaigns cannot run; `partials/<name>` for a problem in a partial itself. */
  template: string;
  /** The file to fix. */
  file: string;
  problem: string;
}

export interface TemplateRegistry {
  /** A template with this id exists, usable or not. */
  has(templateId: string): boolean;
  /** Every template id found, usable or not. */
  ids(): string[];
  /** Every problem found at load, templates' and partials', in file order. Empty when all is well. */
  problems(): TemplateProblem[];
  /** The problems that make this template unusable (empty: it can be used). */
  problemsOf(templateId: string): TemplateProblem[];
  /**
   * The problems that stop this campaign: its template's, the result's value printed unless it allows that, and a
   * reading level above grade 8 unless it waives that.
   */
  problemsFor(campaign: CampaignTemplate): TemplateProblem[];
  /** How each variant of the template reads (empty for a template with problems). */
  readingOf(templateId: string): TemplateReading[];
  /**
   * The variant for `language`: exact tag (`es-MX`), then its language (`es`); undefined when the template has
   * neither (the campaign's `languageFallback` decides what then). No language, or a malformed tag: the default
   * `<id>.hbs`. Throws a TemplateError for an unknown id or a template with problems.
   */
  resolve(templateId: string, language?: string): ResolvedTemplate | undefined;
}

/** What the registry needs of a campaign. */
export interface CampaignTemplate {
  template: string;
  readingLevelWaiver?: string | undefined;
  allowValueInMessage?: boolean | undefined;
}

export interface RegistryOptions {
  /**
   * The language `<id>.hbs` files are written in.
   * @defaultValue 'en'
   */
  defaultLanguage?: string;
}

interface SourceFile {
  file: string;
  id: string;
  language: string;
  source: string;
  shape: TemplateShape;
  run: Handlebars.TemplateDelegate;
}

/** Variants of one template or partial, by canonical language tag. */
type Variants = Map<string, SourceFile>;

/** The files of one folder: those that parsed, by id, and the problems of the others, by id. */
interface Sources {
  byId: Map<string, Variants>;
  problems: Map<string, TemplateProblem[]>;
}

/**
 * Reads and checks every template and partial. Throws a TemplateError only when the folder itself cannot be
 * read; a template's own problems are kept for `problems()`, and that template alone cannot be resolved.
 */
export async function loadTemplateRegistry(dir: string, options: RegistryOptions = {}): Promise<TemplateRegistry> {
  const defaultLanguage = canonicalLanguage(options.defaultLanguage ?? 'en');
  if (!defaultLanguage) throw new TemplateError(dir, 'has an invalid default language');
  const env = createTemplateEnvironment();
  const templates = await readSources(env, dir, defaultLanguage, (id) => id);
  const partials = await readSources(env, path.join(dir, 'partials'), defaultLanguage, (id) => `partials/${id}`, { optional: true });

  const problems = new Map<string, TemplateProblem[]>(partials.problems);
  const resolved = new Map<string, Map<string, ResolvedTemplate>>();
  const readings = new Map<string, TemplateReading[]>();
  const valueReads = new Map<string, TemplateProblem>();
  const templateIds = new Set([...templates.byId.keys(), ...templates.problems.keys()]);
  for (const id of [...templateIds].sort()) {
    const variants = templates.byId.get(id) ?? new Map<string, SourceFile>();
    const found = [...(templates.problems.get(id) ?? [])];
    if (variants.size > 0 && !variants.has(defaultLanguage)) {
      const [first] = variants.values();
      found.push({ kind: 'broken', template: id, file: first?.file ?? dir, problem: `has no default variant ${id}.hbs to fall back to` });
    }
    const prepared = new Map<string, Prepared>();
    for (const [language, template] of variants) {
      try {
        prepared.set(language, prepare(template, partials, defaultLanguage));
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        found.push({ kind: 'broken', template: id, file: error.file, problem: error.reason });
      }
    }
    if (found.length > 0) problems.set(id, found);
    else {
      resolved.set(id, new Map([...prepared].map(([language, { resolved }]) => [language, resolved])));
      readings.set(
        id,
        [...prepared.values()].map(({ reading }) => reading),
      );
      const valueRead = [...prepared.values()].find(({ valueRead }) => valueRead)?.valueRead;
      if (valueRead) valueReads.set(id, valueProblem(id, valueRead));
    }
  }
  const all = [...problems.values()].flat();

  return {
    has: (templateId) => templateIds.has(templateId),
    ids: () => [...templateIds].sort(),
    problems: () => all.map((problem) => ({ ...problem })),
    problemsOf: (templateId) => (problems.get(templateId) ?? []).map((problem) => ({ ...problem })),
    problemsFor(campaign) {
      const broken = (problems.get(campaign.template) ?? []).map((problem) => ({ ...problem }));
      if (broken.length > 0) return broken;
      const valueRead = valueReads.get(campaign.template);
      return [
        ...(valueRead && !campaign.allowValueInMessage ? [{ ...valueRead }] : []),
        ...(campaign.readingLevelWaiver === undefined ? (readings.get(campaign.template) ?? []).flatMap(readingProblem) : []),
      ];
    },
    readingOf: (templateId) => structuredClone(readings.get(templateId) ?? []),
    resolve(templateId, language) {
      const [problem] = problems.get(templateId) ?? [];
      if (problem) throw new TemplateError(problem.file, problem.problem);
      const variants = resolved.get(templateId);
      if (!variants) throw new TemplateError(path.join(dir, `${templateId}.hbs`), 'does not exist');
      const tag = language && canonicalLanguage(language);
      return tag ? (variants.get(tag) ?? variants.get(baseLanguage(tag))) : variants.get(defaultLanguage);
    },
  };
}

interface Prepared {
  resolved: ResolvedTemplate;
  reading: TemplateReading;
  /** The file (the template's or a partial's) that reads the result's value, and where. */
  valueRead: { file: string; at: string } | undefined;
}

function prepare(template: SourceFile, partials: Sources, defaultLanguage: string): Prepared {
  if (template.shape.endsWithPartial !== SAFETY_FOOTER) {
    throw new TemplateError(template.file, `does not include the safety footer partial {{> ${SAFETY_FOOTER}}} as its last statement`);
  }
  const used = partialsUsed(template, partials, defaultLanguage);
  const footer = used.get(SAFETY_FOOTER);
  if (!footer || baseLanguage(footer.language) !== baseLanguage(template.language)) {
    throw new TemplateError(template.file, `has no safety footer in its language: add partials/${SAFETY_FOOTER}.${template.language}.hbs`);
  }
  const sorted = [...used].sort(([a], [b]) => (a < b ? -1 : 1));
  const readingValue = [template, ...sorted.map(([, partial]) => partial)].find(({ shape }) => shape.readsValue !== undefined);
  const version = createHash('sha256')
    .update(JSON.stringify([template.source, ...sorted.map(([name, partial]) => [name, partial.source])]))
    .digest('hex')
    .slice(0, 16);
  const compiled = {
    file: template.file,
    language: template.language,
    run: template.run,
    partials: Object.fromEntries(sorted.map(([name, partial]) => [name, partial.run])),
  };
  return {
    resolved: {
      templateId: template.id,
      language: template.language,
      version,
      render: (context) => renderTemplate(compiled, context),
    },
    reading: readTemplate({
      template: template.id,
      file: template.file,
      language: template.language,
      sections: (context) => renderSections(compiled, context),
    }),
    valueRead: readingValue && { file: readingValue.file, at: readingValue.shape.readsValue ?? '' },
  };
}

/** Marks where the footer starts and ends in a render; no template text holds it. */
const FOOTER_MARK = '\u0000';

/** The message cut at the safety footer, by rendering the footer partial between marks. */
function renderSections(compiled: CompiledTemplate, context: TemplateContext): Sections {
  const footer = compiled.partials[SAFETY_FOOTER];
  if (!footer) throw new TemplateError(compiled.file, `has no ${SAFETY_FOOTER} partial`);
  const marked: Handlebars.TemplateDelegate = (partialContext, options) => `${FOOTER_MARK}${footer(partialContext, options)}${FOOTER_MARK}`;
  const result = renderTemplate({ ...compiled, partials: { ...compiled.partials, [SAFETY_FOOTER]: marked } }, context);
  if (!result.ok) return result;
  const [body = '', footerText = ''] = result.text.split(FOOTER_MARK);
  return { ok: true, body: normalizeText(body), footer: normalizeText(footerText) };
}

/** A template that prints the result's value, as a problem of the campaigns that do not allow it. */
function valueProblem(template: string, { file, at }: { file: string; at: string }): TemplateProblem {
  const problem = `prints the result's value${at}, which the campaign does not allow: set allowValueInMessage: true, or remove {{trigger.value}}`;
  return { kind: 'trigger-value', template, file, problem };
}

/** A variant above grade 8, as a problem of the campaigns that do not waive it. */
function readingProblem(reading: TemplateReading): TemplateProblem[] {
  const { readability } = reading;
  if (!readability || readability.grade <= GRADE_LIMIT) return [];
  const measure = readability.measure === 'flesch-kincaid' ? 'Flesch–Kincaid' : `Fernández-Huerta ${readability.score}`;
  const problem =
    `reads at grade ${readability.gradeText} (${measure}), above the limit of grade ${GRADE_LIMIT}: ` +
    'rewrite it in shorter sentences and shorter words (`careprompt templates check` shows the figures), ' +
    'or give the campaign `readingLevelWaiver: <reason>`';
  return [{ kind: 'reading-level', template: reading.template, file: reading.file, problem }];
}

/**
 * Every partial the template reaches, each resolved for the template's language. A partial that is missing or
 * broken, or that reaches itself again (it would recurse until the stack overflows), is the template's problem.
 */
function partialsUsed(template: SourceFile, partials: Sources, defaultLanguage: string): Map<string, SourceFile> {
  const used = new Map<string, SourceFile>();
  const visit = (name: string, chain: readonly string[]): void => {
    if (chain.includes(name)) {
      const cycle = [...chain.slice(chain.indexOf(name)), name].join(' → ');
      throw new TemplateError(template.file, `uses partials that include themselves (${cycle}): remove the cycle`);
    }
    const [broken] = partials.problems.get(`partials/${name}`) ?? [];
    if (broken) throw new TemplateError(template.file, `uses partial '${name}', which cannot be used: ${broken.file} ${broken.problem}`);
    const partial = used.get(name) ?? pickVariant(partials.byId.get(name) ?? new Map(), template.language, defaultLanguage);
    if (!partial) throw new TemplateError(template.file, `uses partial '${name}', but there is no partials/${name}.hbs`);
    used.set(name, partial);
    for (const next of [...partial.shape.partials].sort()) visit(next, [...chain, name]);
  };
  for (const name of [...template.shape.partials].sort()) visit(name, []);
  return used;
}

function pickVariant<T>(variants: Map<string, T>, language: string | undefined, defaultLanguage: string) {
  const tag = language && canonicalLanguage(language);
  const candidates = tag ? [tag, baseLanguage(tag), defaultLanguage] : [defaultLanguage];
  for (const candidate of candidates) {
    const variant = variants.get(candidate);
    if (variant) return variant;
  }
  return undefined;
}

function baseLanguage(tag: string): string {
  return new Intl.Locale(tag).language;
}

/**
 * Reads every `.hbs` of a folder. A file that cannot be used, or a second variant of the same language, becomes
 * a problem of its id (`problemKey(id)`), and that id's files are left out: a half-loaded template is not one.
 */
async function readSources(
  env: TemplateEnvironment,
  dir: string,
  defaultLanguage: string,
  problemKey: (id: string) => string,
  { optional = false } = {},
): Promise<Sources> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return { byId: new Map(), problems: new Map() };
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    // Absolute, with the variable that chose it: a relative `templates` says nothing about where it was looked for.
    const fix = 'TEMPLATES_DIR must name a readable folder of templates (copy templates/ from the repository)';
    throw new TemplateError(path.resolve(dir), `cannot be read (${code}): ${fix}`, { cause: error });
  }
  const files = entries.filter((entry) => entry.endsWith('.hbs')).sort();
  const read = await Promise.all(files.map((name) => readSource(env, path.join(dir, name), defaultLanguage)));
  const byId = new Map<string, Variants>();
  const problems = new Map<string, TemplateProblem[]>();
  for (const result of read) {
    const variants = byId.get(result.id) ?? new Map<string, SourceFile>();
    const clash = 'problem' in result ? undefined : variants.get(result.language);
    const problem =
      'problem' in result ? result.problem : clash && `is a second ${result.language} variant of '${result.id}' (see ${clash.file})`;
    if (problem) {
      const key = problemKey(result.id);
      problems.set(key, [...(problems.get(key) ?? []), { kind: 'broken', template: key, file: result.file, problem }]);
    } else if (!('problem' in result)) {
      variants.set(result.language, result);
      byId.set(result.id, variants);
    }
  }
  for (const id of [...byId.keys()]) if (problems.has(problemKey(id))) byId.delete(id);
  return { byId, problems };
}

async function readSource(
  env: TemplateEnvironment,
  file: string,
  defaultLanguage: string,
): Promise<SourceFile | { id: string; file: string; problem: string }> {
  const [id = '', tag] = path.basename(file, '.hbs').split(/\.(.*)/);
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(id)) return { id, file, problem: 'has a name that is not a template id' };
  const language = tag ? canonicalLanguage(tag) : defaultLanguage;
  if (!language) return { id, file, problem: `has an invalid language tag '${tag}'` };
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    return { id, file, problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})` };
  }
  try {
    const ast = env.parseWithoutProcessing(source, { srcName: file });
    const shape = templateShape(ast, helperNames);
    return { file, id, language, source, shape, run: compileTemplate(env, ast) };
  } catch (error) {
    const problem = error instanceof TemplateShapeError ? error.message : `failed to compile: ${(error as Error).message}`;
    return { id, file, problem };
  }
}
