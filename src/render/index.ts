/** What other folders may use from render: the registry, the template context and its FHIR facts. */
export {
  buildTemplateContext,
  type Fact,
  type TemplateContext,
  TemplateInput,
} from './context.ts';
export { TemplateError } from './errors.ts';
export { factsFromPatientContext, type PatientFacts, preferredLanguage } from './facts.ts';
export type { TemplateReading } from './reading.ts';
export {
  loadTemplateRegistry,
  type RegistryOptions,
  type ResolvedTemplate,
  SAFETY_FOOTER,
  type TemplateProblem,
  type TemplateRegistry,
} from './registry.ts';
export type { RenderResult } from './render.ts';
