/**
 * The outbox row for one candidate the campaign decided about (pure but for the compiled templates): a skip
 * with its reason, or the rendered message.
 */
import type { Campaign } from '../campaigns/index.ts';
import type { Config } from '../config/index.ts';
import type { PatientContext } from '../fhir/index.ts';
import { buildTemplateContext, factsFromPatientContext, type TemplateRegistry } from '../render/index.ts';
import { evidenceOf, reasonOf, type TriggerResource } from '../triggers/index.ts';
import type { NewPrompt } from './ports.ts';

/** What every row of a candidate carries, whatever was decided. */
export interface PromptIdentity {
  idempotencyKey: string;
  campaignId: string;
  /** The campaign version the decision was made under. */
  campaignVersion: number;
  pollRunId: string;
  patientRef: string;
  triggerRefs: string[];
  /** When the prompt was decided (the evaluation's clock): its expiry counts from here. */
  decidedAt: Date;
}

/** A real candidate who must not be prompted (deceased, inactive): recorded before any template is chosen. */
export function skippedPrompt(
  campaign: Campaign,
  identity: PromptIdentity,
  trigger: TriggerResource,
  reason: string,
  asOf: Date,
): NewPrompt {
  return {
    ...identity,
    ...triggerFacts(trigger, asOf),
    templateId: campaign.template,
    category: campaign.category,
    channel: campaign.channel,
    status: 'skipped',
    reason,
  };
}

/** The rendered message, queued (or held for review); skipped when the template needs a value the patient lacks. */
export function renderedPrompt(
  campaign: Campaign,
  identity: PromptIdentity,
  context: PatientContext,
  trigger: TriggerResource,
  asOf: Date,
  services: { config: Readonly<Config>; templates: TemplateRegistry },
): NewPrompt {
  const { template, result } = renderFor(campaign, context, trigger, asOf, services);
  return {
    ...identity,
    ...triggerFacts(trigger, asOf),
    templateId: template.templateId,
    templateVersion: template.version,
    category: campaign.category,
    channel: campaign.channel,
    language: template.language,
    ...(result.ok
      ? { renderedText: result.text, status: campaign.review === 'required' ? 'pending_review' : 'queued' }
      : { status: 'skipped', reason: `template value missing: ${result.missing.join(', ')}` }),
  };
}

/** The campaign's template rendered for one patient and trigger: the message, or the values it lacked. */
export function renderFor(
  campaign: Campaign,
  context: PatientContext,
  trigger: TriggerResource,
  asOf: Date,
  services: { config: Readonly<Config>; templates: TemplateRegistry },
) {
  const { config, templates } = services;
  const facts = factsFromPatientContext(context, trigger, {
    defaultTimezone: config.defaultTimezone,
    now: asOf,
    recentProcedureDays: config.render.recentProcedureDays,
  });
  const template = templates.resolve(campaign.template, facts.patient.language);
  const { replyTimeByLanguage, ...org } = config.org;
  const replyTime = replyTimeByLanguage[template.language.split('-')[0] ?? ''] ?? org.replyTime;
  const result = template.render(
    buildTemplateContext({ ...facts, org: { ...org, replyTime }, campaign: { id: campaign.id, name: campaign.name }, now: asOf }),
  );
  return { template, result };
}

function triggerFacts(trigger: TriggerResource, asOf: Date) {
  const reasonRef = reasonOf(trigger);
  return { ...(reasonRef ? { reasonRef } : {}), evidence: evidenceOf(trigger, asOf) };
}
