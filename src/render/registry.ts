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
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type Handlebars from 'handlebars';
import { canonicalLanguage, type TemplateContext } from './context.ts';
import { TemplateError } from './errors.ts';
import { createTemplateEnvironment, helperNames, type TemplateEnvironment } from './helpers.ts';
import { compileTemplate, type RenderResult, renderTemplate } from './render.ts';
import { type TemplateShape, TemplateShapeError, templateShape } from './template-shape.ts';

export const SAFETY_FOOTER = 'safety-footer';

export interface ResolvedTemplate {
  templateId: string;
  /** The language the chosen variant is written in (canonical BCP 47). */
  language: string;
  version: string;
  render(context: TemplateContext): RenderResult;
}

export interface TemplateRegistry {
  has(templateId: string): boolean;
  ids(): string[];
  /**
   * The variant for `language`: exact tag (`es-MX`), then its language (`es`), then the default
   * `<id>.hbs`. Throws a TemplateError for an unknown id.
   */
  resolve(templateId: string, language?: string): ResolvedTemplate;
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

export async function loadTemplateRegistry(dir: string, options: RegistryOptions = {}): Promise<TemplateRegistry> {
  const defaultLanguage = canonicalLanguage(options.defaultLanguage ?? 'en');
  if (!defaultLanguage) throw new TemplateError(dir, 'has an invalid default language');
  const env = createTemplateEnvironment();
  const templates = byId(await readSources(env, dir, defaultLanguage));
  const partials = byId(await readSources(env, path.join(dir, 'partials'), defaultLanguage, { optional: true }));

  const resolved = new Map<string, Map<string, ResolvedTemplate>>();
  for (const [id, variants] of templates) {
    if (!variants.has(defaultLanguage)) {
      const [first] = variants.values();
      throw new TemplateError(first?.file ?? dir, `has no default variant ${id}.hbs to fall back to`);
    }
    const prepared = [...variants].map(([language, template]) => [language, prepare(template, partials, defaultLanguage)] as const);
    resolved.set(id, new Map(prepared));
  }

  return {
    has: (templateId) => resolved.has(templateId),
    ids: () => [...resolved.keys()].sort(),
    resolve(templateId, language) {
      const chosen = pickVariant(resolved.get(templateId) ?? new Map(), language, defaultLanguage);
      if (!chosen) throw new TemplateError(path.join(dir, `${templateId}.hbs`), 'does not exist');
      return chosen;
    },
  };
}

function prepare(template: SourceFile, partials: Map<string, Variants>, defaultLanguage: string): ResolvedTemplate {
  if (template.shape.endsWithPartial !== SAFETY_FOOTER) {
    throw new TemplateError(template.file, `does not include the safety footer partial {{> ${SAFETY_FOOTER}}} as its last statement`);
  }
  const used = partialsUsed(template, partials, defaultLanguage);
  const footer = used.get(SAFETY_FOOTER);
  if (!footer || baseLanguage(footer.language) !== baseLanguage(template.language)) {
    throw new TemplateError(template.file, `has no safety footer in its language: add partials/${SAFETY_FOOTER}.${template.language}.hbs`);
  }
  const sorted = [...used].sort(([a], [b]) => (a < b ? -1 : 1));
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
    templateId: template.id,
    language: template.language,
    version,
    render: (context) => renderTemplate(compiled, context),
  };
}

/** Every partial the template reaches, each resolved for the template's language. */
function partialsUsed(template: SourceFile, partials: Map<string, Variants>, defaultLanguage: string) {
  const used = new Map<string, SourceFile>();
  const pending = [...template.shape.partials];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (used.has(name)) continue;
    const partial = pickVariant(partials.get(name) ?? new Map(), template.language, defaultLanguage);
    if (!partial) {
      throw new TemplateError(template.file, `uses partial '${name}', but there is no partials/${name}.hbs`);
    }
    used.set(name, partial);
    pending.push(...partial.shape.partials);
  }
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

function byId(files: SourceFile[]): Map<string, Variants> {
  const result = new Map<string, Variants>();
  for (const file of files) {
    const variants = result.get(file.id) ?? new Map<string, SourceFile>();
    const clash = variants.get(file.language);
    if (clash) throw new TemplateError(file.file, `is a second ${file.language} variant of '${file.id}' (see ${clash.file})`);
    variants.set(file.language, file);
    result.set(file.id, variants);
  }
  return result;
}

async function readSources(
  env: TemplateEnvironment,
  dir: string,
  defaultLanguage: string,
  { optional = false } = {},
): Promise<SourceFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TemplateError(dir, 'cannot be read', { cause: error });
  }
  const files = entries.filter((entry) => entry.endsWith('.hbs')).sort();
  return Promise.all(files.map((name) => readSource(env, path.join(dir, name), defaultLanguage)));
}

async function readSource(env: TemplateEnvironment, file: string, defaultLanguage: string): Promise<SourceFile> {
  const [id = '', tag] = path.basename(file, '.hbs').split(/\.(.*)/);
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(id)) throw new TemplateError(file, 'has a name that is not a template id');
  const language = tag ? canonicalLanguage(tag) : defaultLanguage;
  if (!language) throw new TemplateError(file, `has an invalid language tag '${tag}'`);
  const source = await readFile(file, 'utf8');
  let ast: hbs.AST.Program;
  let shape: TemplateShape;
  try {
    ast = env.parseWithoutProcessing(source, { srcName: file });
    shape = templateShape(ast, helperNames);
  } catch (error) {
    const reason = error instanceof TemplateShapeError ? error.message : `failed to compile: ${(error as Error).message}`;
    throw new TemplateError(file, reason, { cause: error });
  }
  return { file, id, language, source, shape, run: compileTemplate(env, ast) };
}
