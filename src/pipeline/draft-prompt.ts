/**
 * The outbox row for one candidate the campaign decided about (pure but for the compiled templates): a skip
 * with its reason, or the rendered message.
 */
import { type Campaign, type ResultsPreferenceFacts, resultsHoldReason, type SkipRule } from '../campaigns/index.ts';
import type { Config } from '../config/index.ts';
import type { CriteriaExplanation } from '../criteria/index.ts';
import type { PatientContext } from '../fhir/index.ts';
import { buildTemplateContext, factsFromPatientContext, preferredLanguage, type TemplateRegistry } from '../render/index.ts';
import { evidenceOf, reasonOf, type TriggerResource } from '../triggers/index.ts';
import type { NewPrompt } from './ports.ts';

/** What every row of a candidate carries, whatever was decided. */
export interface PromptIdentity {
  idempotencyKey: string;
  campaignId: string;
  /** The campaign version the decision was made under (none for a dry run's file not yet applied). */
  campaignVersion?: number;
  pollRunId: string;
  patientRef: string;
  triggerRefs: string[];
  /** When the prompt was decided (the evaluation's clock): its expiry counts from here. */
  decidedAt: Date;
}

/**
 * What the decision rested on beyond the trigger, kept in the prompt's evidence: how the criteria were judged, and
 * the version of each value set the codes came from.
 */
export interface DecisionBasis {
  criteria?: CriteriaExplanation | undefined;
  valueSets: ReadonlyArray<{ url: string; version: string | null; source: string }>;
}

/** A real candidate who must not be prompted (deceased, inactive, opted out, criteria, no template in their language). */
export function skippedPrompt(
  campaign: Campaign,
  identity: PromptIdentity,
  trigger: TriggerResource,
  skip: { rule: SkipRule; reason: string },
  asOf: Date,
  basis: DecisionBasis,
): NewPrompt {
  return {
    ...identity,
    ...triggerFacts(trigger, asOf, basis),
    templateId: campaign.template,
    category: campaign.category,
    channel: campaign.channel,
    status: 'skipped',
    rule: skip.rule,
    reason: skip.reason,
  };
}

/**
 * The rendered message, queued, or held for review (`review: required`, or a result for a patient who has not
 * chosen results by message). Skipped when the template has no variant in the patient's language and the
 * campaign's `languageFallback` is `skip` (or names a language it lacks too), and when the template needs a value
 * the patient lacks.
 */
export function renderedPrompt(
  campaign: Campaign,
  identity: PromptIdentity,
  context: PatientContext & Pick<ResultsPreferenceFacts, 'localResults'>,
  trigger: TriggerResource,
  asOf: Date,
  basis: DecisionBasis,
  services: { config: Readonly<Config>; templates: TemplateRegistry },
): NewPrompt {
  const rendered = renderFor(campaign, context, trigger, asOf, services);
  if (rendered.kind === 'no-template') {
    return skippedPrompt(campaign, identity, trigger, { rule: 'language', reason: `no template in ${rendered.language}` }, asOf, basis);
  }
  const { template, result, facts } = rendered;
  const held = resultsHoldReason(campaign, context, asOf, services.config.resultsPreference);
  return {
    ...identity,
    ...triggerFacts(trigger, asOf, basis),
    templateId: template.templateId,
    templateVersion: template.version,
    category: campaign.category,
    channel: campaign.channel,
    language: template.language,
    priority: campaign.priority,
    timezone: facts.patient.timezone,
    ...(result.ok
      ? {
          renderedText: result.text,
          ...(campaign.review === 'required'
            ? { status: 'pending_review' }
            : held
              ? { status: 'pending_review', rule: 'results-preference', reason: held }
              : { status: 'queued' }),
        }
      : { status: 'skipped', rule: 'template-value', reason: `template value missing: ${result.missing.join(', ')}` }),
  };
}

/**
 * The campaign's template rendered for one patient and trigger: the message, or the values it lacked; no template
 * when the campaign has no variant in the patient's language and its `languageFallback` names none it has.
 */
export function renderFor(
  campaign: Campaign,
  context: PatientContext,
  trigger: TriggerResource,
  asOf: Date,
  services: { config: Readonly<Config>; templates: TemplateRegistry },
) {
  const { config, templates } = services;
  const language = preferredLanguage(context.patient);
  const fallback = campaign.languageFallback === 'skip' ? undefined : campaign.languageFallback;
  const template =
    templates.resolve(campaign.template, language) ?? (fallback ? templates.resolve(campaign.template, fallback) : undefined);
  if (!template) return { kind: 'no-template' as const, language };
  const facts = factsFromPatientContext(context, trigger, {
    defaultTimezone: config.defaultTimezone,
    now: asOf,
    recentProcedureDays: config.render.recentProcedureDays,
    showValue: campaign.allowValueInMessage,
    language: template.language,
  });
  const { replyTimeByLanguage, ...org } = config.org;
  const replyTime = replyTimeByLanguage[template.language.split('-')[0] ?? ''] ?? org.replyTime;
  const result = template.render(
    buildTemplateContext({ ...facts, org: { ...org, replyTime }, campaign: { id: campaign.id, name: campaign.name }, now: asOf }),
  );
  return { kind: 'rendered' as const, template, result, facts };
}

/**
 * The prompt's words as they should read at `asOf` (a deferred prompt's arrival), in the template's language; undefined
 * when the template no longer renders them, and the words already written stand.
 */
export function wordingAt(
  campaign: Campaign,
  context: PatientContext,
  trigger: TriggerResource,
  asOf: Date,
  services: { config: Readonly<Config>; templates: TemplateRegistry },
): { text: string; language: string } | undefined {
  const rendered = renderFor(campaign, context, trigger, asOf, services);
  return rendered.kind === 'rendered' && rendered.result.ok
    ? { text: rendered.result.text, language: rendered.template.language }
    : undefined;
}

function triggerFacts(trigger: TriggerResource, asOf: Date, basis: DecisionBasis) {
  const reasonRef = reasonOf(trigger);
  const evidence = {
    ...evidenceOf(trigger, asOf),
    ...(basis.criteria ? { criteria: basis.criteria } : {}),
    ...(basis.valueSets.length > 0 ? { valueSets: basis.valueSets } : {}),
  };
  return { ...(reasonRef ? { reasonRef } : {}), evidence };
}
