/**
 * Evaluate one candidate: decide (pure), render (pure), and write the outbox row. The row is written before
 * the send job is queued, and its unique key makes a retried or repeated evaluation a no-op.
 */
import { type Campaign, decide, promptKey, repeatBlockedSince } from '../../campaigns/index.ts';
import {
  clinicalDateOf,
  codingsOf,
  findResource,
  loadPatientContext,
  type PatientContext,
  statusOf,
  TriggerResource,
} from '../../fhir/index.ts';
import { buildTemplateContext, factsFromPatientContext } from '../../render/index.ts';
import { findPromptByKey, getCampaign, hasRecentPrompt, insertPromptIfAbsent, markEvaluated, type NewPrompt } from '../../store/index.ts';
import type { EvaluateJob } from '../jobs.ts';
import type { Enqueue, Services } from './context.ts';

export type EvaluateOutcome =
  | 'queued'
  | 'pending-review'
  | 'skipped'
  | 'already-handled'
  | 'recently-prompted'
  | 'no-match'
  | 'patient-not-found'
  | 'expired'
  | 'campaign-inactive';

/** Evaluates and marks the candidate evaluated with its outcome (a retry after a crash simply runs again). */
export async function evaluateCandidate(job: EvaluateJob, services: Services, enqueue: Enqueue): Promise<EvaluateOutcome> {
  const outcome = await evaluate(job, services, enqueue);
  await markEvaluated(services.db, job.pollRunId, job.triggerRef, outcome);
  return outcome;
}

async function evaluate(job: EvaluateJob, services: Services, enqueue: Enqueue): Promise<EvaluateOutcome> {
  const { db, gateway } = services;
  const stored = await getCampaign(db, job.campaignId);
  if (!stored?.campaign.active) return 'campaign-inactive';
  const { campaign } = stored;
  const asOf = new Date(job.asOf);
  const patientRef = `Patient/${job.patientId}`;
  const key = promptKey(campaign, patientRef, job.triggerRef, asOf);
  const existing = await findPromptByKey(db, key);
  if (existing) {
    // Queue again if an earlier attempt died between writing the row and queuing its send.
    if (existing.status === 'queued') await enqueue.send({ promptId: existing.id });
    return 'already-handled';
  }
  // Work recovered long after its poll (an outage) would tell of "yesterday" a week late: drop it.
  if (services.clock().getTime() - asOf.getTime() > services.config.queue.expireAfterMs) return 'expired';
  const base = {
    idempotencyKey: key,
    campaignId: campaign.id,
    pollRunId: job.pollRunId,
    patientRef,
    triggerRefs: [job.triggerRef],
    decidedAt: services.clock(),
  };

  // Not found may be a moment's inconsistency on the server: record nothing, so a later poll can prompt.
  const context = await loadPatientContext(gateway, job.patientId);
  if (!context) return 'patient-not-found';
  const trigger = findResource(context, job.triggerRef) ?? (await readTrigger(services, job.triggerRef));
  if (!trigger) return 'no-match';

  const decision = decide(campaign, trigger, context.patient, asOf);
  if (decision.kind === 'no-match') return 'no-match';
  const facts = { ...base, reasonRef: reasonOf(trigger), evidence: evidenceOf(trigger, asOf) };
  if (decision.kind === 'skip')
    return record(services, enqueue, { ...facts, ...unrendered(campaign), status: 'skipped', reason: decision.reason });

  const blockedSince = repeatBlockedSince(campaign, asOf);
  if (blockedSince && (await hasRecentPrompt(db, campaign.id, patientRef, blockedSince))) return 'recently-prompted';

  const rendered = render(campaign, context, trigger, services, asOf);
  return record(services, enqueue, {
    ...facts,
    ...rendered.fields,
    ...(rendered.text === undefined
      ? { status: 'skipped', reason: `template value missing: ${rendered.missing.join(', ')}` }
      : { renderedText: rendered.text, status: campaign.review === 'required' ? 'pending_review' : 'queued' }),
  });
}

async function record(services: Services, enqueue: Enqueue, prompt: NewPrompt): Promise<EvaluateOutcome> {
  const { prompt: row, inserted } = await insertPromptIfAbsent(services.db, prompt);
  // Queue even when the row existed: a concurrent evaluation may have written it and not queued it yet.
  if (row.status === 'queued') await enqueue.send({ promptId: row.id });
  if (!inserted) return 'already-handled';
  return row.status === 'queued' ? 'queued' : row.status === 'pending_review' ? 'pending-review' : 'skipped';
}

function render(campaign: Campaign, context: PatientContext, trigger: TriggerResource, services: Services, now: Date) {
  const { config, templates } = services;
  const facts = factsFromPatientContext(context, trigger, { defaultTimezone: config.defaultTimezone, now });
  const template = templates.resolve(campaign.template, facts.patient.language);
  const { replyTimeByLanguage, ...org } = config.org;
  const replyTime = replyTimeByLanguage[template.language.split('-')[0] ?? ''] ?? org.replyTime;
  const result = template.render(
    buildTemplateContext({ ...facts, org: { ...org, replyTime }, campaign: { id: campaign.id, name: campaign.name }, now }),
  );
  const fields = {
    templateId: template.templateId,
    templateVersion: template.version,
    category: campaign.category,
    language: template.language,
  };
  return result.ok ? { fields, text: result.text, missing: [] } : { fields, text: undefined, missing: result.missing };
}

/** For rows recorded before any template was chosen (skips). */
function unrendered(campaign: Campaign) {
  return { templateId: campaign.template, category: campaign.category };
}

async function readTrigger(services: Services, triggerRef: string): Promise<TriggerResource | undefined> {
  const [resourceType, id] = triggerRef.split('/') as [string, string];
  const resource = await services.gateway.read(resourceType, id);
  const parsed = resource ? TriggerResource.safeParse(resource) : undefined;
  return parsed?.success ? parsed.data : undefined;
}

/** The Condition the prompt is about: the trigger itself, or the first Condition it gives as its reason. */
function reasonOf(trigger: TriggerResource): string | undefined {
  if (trigger.resourceType === 'Condition') return `Condition/${trigger.id}`;
  return trigger.reasonReference?.map((ref) => ref.reference).find((ref) => ref?.startsWith('Condition/'));
}

/** What a clinician sees as "why": the triggering facts, not the whole record. */
function evidenceOf(trigger: TriggerResource, asOf: Date) {
  return {
    trigger: {
      reference: `${trigger.resourceType}/${trigger.id}`,
      status: statusOf(trigger) ?? null,
      date: clinicalDateOf(trigger) ?? null,
      lastUpdated: trigger.meta?.lastUpdated ?? null,
      codings: codingsOf(trigger).map(({ system, code, display }) => ({
        system: system ?? null,
        code: code ?? null,
        display: display ?? null,
      })),
    },
    decidedAt: asOf.toISOString(),
  };
}
