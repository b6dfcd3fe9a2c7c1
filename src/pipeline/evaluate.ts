/**
 * Evaluate a batch of candidates of one poll run: decide (pure) and render (pure) each, and write the outbox
 * rows. The batch shares its I/O: one campaign read, one query for keys already written, one FHIR search for
 * every patient's record, one query for patients recently prompted, one statement for the new rows and their
 * audit events, one send job for their delivery and one update recording each candidate's outcome. Rows are written before their
 * sends are queued, and unique keys make a retried or repeated evaluation a no-op.
 */
import { type Campaign, decide, promptKey, repeatBlockedSince } from '../campaigns/index.ts';
import { FhirDataError, FhirRequestError, findResource, loadPatientContexts, type PatientContext } from '../fhir/index.ts';
import { TriggerResource } from '../triggers/index.ts';
import type { Context } from './context.ts';
import { type PromptIdentity, renderedPrompt, skippedPrompt } from './draft-prompt.ts';
import type { CandidateOutcome, NewPrompt, PromptStatus } from './ports.ts';
import { type EvaluateWork, sendJobsFor } from './work.ts';

/** What became of a candidate: the store's vocabulary (`error`: failed for good). */
export type EvaluateOutcome = CandidateOutcome;

interface Candidate {
  patientId: string;
  triggerRef: string;
  /** Its row's key and references, whatever is decided. */
  identity: PromptIdentity;
}

/** Evaluates the batch and records each candidate's outcome (a retry after a crash simply runs again). */
export async function evaluateCandidates(job: EvaluateWork, ctx: Context): Promise<void> {
  const outcomes = await evaluate(job, ctx);
  await ctx.store.markEvaluated(
    job.pollRunId,
    [...outcomes].map(([triggerRef, outcome]) => ({ triggerRef, outcome })),
  );
}

/**
 * One bad record (a resource the server will not serve, a malformed entry) must not write off the other
 * candidates of its batch: a batch that fails for good is split into single-candidate work, and only a single
 * candidate that fails for good is recorded as an error.
 */
export async function abandonEvaluation(job: EvaluateWork, ctx: Context): Promise<void> {
  if (job.candidates.length > 1) return ctx.enqueue.evaluations(job.candidates.map((candidate) => ({ ...job, candidates: [candidate] })));
  await ctx.store.markEvaluated(job.pollRunId, [{ triggerRef: job.candidates[0]?.triggerRef ?? '', outcome: 'error' }]);
}

/** Each candidate's outcome, by trigger reference. */
async function evaluate(job: EvaluateWork, ctx: Context): Promise<Map<string, EvaluateOutcome>> {
  const { store } = ctx;
  const outcomes = new Map<string, EvaluateOutcome>();
  const settle = (candidates: ReadonlyArray<{ triggerRef: string }>, outcome: EvaluateOutcome) => {
    for (const candidate of candidates) outcomes.set(candidate.triggerRef, outcome);
  };
  const stored = await store.getCampaign(job.campaignId);
  if (!stored?.campaign.active) {
    settle(job.candidates, 'campaign-inactive');
    return outcomes;
  }
  const { campaign } = stored;
  if (ctx.templates.problemsFor(campaign).length > 0) {
    // Left unevaluated, not failed: the sweep queues them again, and once the template is fixed they are decided.
    ctx.logger.error(
      { campaignId: campaign.id, templateId: campaign.template, candidates: job.candidates.length },
      'evaluate: the campaign template cannot be used; candidates wait for its fix (see careprompt doctor)',
    );
    return outcomes;
  }
  const asOf = new Date(job.asOf);
  const decidedAt = ctx.clock();
  const candidates = job.candidates.map(({ patientId, triggerRef }): Candidate => {
    const patientRef = `Patient/${patientId}`;
    const idempotencyKey = promptKey(campaign, patientRef, triggerRef, asOf);
    return {
      patientId,
      triggerRef,
      identity: {
        idempotencyKey,
        campaignId: campaign.id,
        campaignVersion: stored.version,
        pollRunId: job.pollRunId,
        patientRef,
        triggerRefs: [triggerRef],
        decidedAt,
      },
    };
  });

  const known = new Set<string>();
  // Queue again the rows still queued: an earlier attempt may have died between writing them and queuing.
  const sends: string[] = [];
  for (const row of await store.findPromptsByKeys(candidates.map((candidate) => candidate.identity.idempotencyKey))) {
    known.add(row.idempotencyKey);
    if (row.status === 'queued') sends.push(row.id);
  }
  const isKnown = (candidate: Candidate) => known.has(candidate.identity.idempotencyKey);
  settle(candidates.filter(isKnown), 'already-handled');
  const fresh = candidates.filter((candidate) => !isKnown(candidate));

  // Work recovered long after its poll (an outage) would tell of "yesterday" a week late: drop it.
  if (ctx.clock().getTime() - asOf.getTime() > ctx.config.queue.expireAfterMs) {
    settle(fresh, 'expired');
  } else if (fresh.length > 0) {
    const drafts = await decideAll(campaign, fresh, asOf, ctx, outcomes);
    for (const row of await store.insertPrompts([...drafts.values()])) {
      // Queue even when the row existed: a concurrent evaluation may have written it and not queued it yet.
      if (row.status === 'queued') sends.push(row.id);
      const triggerRef = drafts.get(row.idempotencyKey)?.triggerRefs[0];
      if (triggerRef) outcomes.set(triggerRef, row.inserted ? outcomeOf(row.status) : 'already-handled');
    }
  }
  await ctx.enqueue.sends(sendJobsFor(sends));
  return outcomes;
}

/**
 * Decides every candidate in order, settling those that get no row; returns the rows to write by key. A
 * later candidate whose key an earlier one of the batch claimed is already handled, as it would be if the
 * two had been evaluated one after the other.
 */
async function decideAll(
  campaign: Campaign,
  candidates: Candidate[],
  asOf: Date,
  ctx: Context,
  outcomes: Map<string, EvaluateOutcome>,
): Promise<Map<string, NewPrompt>> {
  const logger = ctx.logger.child({ campaignId: campaign.id, pollRunId: candidates[0]?.identity.pollRunId });
  const patientIds = [...new Set(candidates.map((candidate) => candidate.patientId))];
  const contexts = await loadPatientContexts(ctx.gateway, patientIds, { logger });
  const blockedSince = repeatBlockedSince(campaign, asOf);
  const recentlyPrompted = blockedSince
    ? await ctx.store.findRecentlyPrompted(
        campaign.id,
        [...contexts.keys()].map((patientId) => `Patient/${patientId}`),
        blockedSince,
      )
    : new Set<string>();

  const drafts = new Map<string, NewPrompt>();
  for (const { patientId, triggerRef, identity } of candidates) {
    const key = identity.idempotencyKey;
    if (drafts.has(key)) {
      outcomes.set(triggerRef, 'already-handled');
      continue;
    }
    const context = contexts.get(patientId);
    // Not found may be a moment's inconsistency on the server: record no row, so a later poll can prompt.
    if (!context) {
      outcomes.set(triggerRef, 'patient-not-found');
      continue;
    }
    const trigger = await triggerOf(context, triggerRef, ctx);
    if (trigger === 'unreadable' || trigger === undefined) {
      outcomes.set(triggerRef, trigger === 'unreadable' ? 'error' : 'no-match');
      continue;
    }
    const decision = decide(campaign, trigger, context.patient, asOf);
    if (decision.kind === 'no-match') outcomes.set(triggerRef, 'no-match');
    else if (decision.kind === 'skip') drafts.set(key, skippedPrompt(campaign, identity, trigger, decision.reason, asOf));
    else if (recentlyPrompted.has(identity.patientRef)) outcomes.set(triggerRef, 'recently-prompted');
    else drafts.set(key, renderedPrompt(campaign, identity, context, trigger, asOf, ctx));
  }
  return drafts;
}

/**
 * The trigger resource: from the patient's record, else read on its own (it may have moved to another chart,
 * which `decide` then rejects). 'unreadable' when the server refuses the read for good.
 */
async function triggerOf(context: PatientContext, triggerRef: string, ctx: Context): Promise<TriggerResource | 'unreadable' | undefined> {
  const found = findResource(context, triggerRef);
  if (found) return found;
  const [resourceType, id] = triggerRef.split('/') as [string, string];
  try {
    const resource = await ctx.gateway.read(resourceType, id);
    const parsed = resource ? TriggerResource.safeParse(resource) : undefined;
    return parsed?.success ? parsed.data : undefined;
  } catch (error) {
    if (!(error instanceof FhirRequestError || error instanceof FhirDataError)) throw error;
    // Recorded as the candidate's error, as a job that gives up would be: one refused read must not fail the
    // rest of the batch with it.
    ctx.logger.warn({ triggerRef, err: error }, 'evaluate: trigger resource unreadable');
    return 'unreadable';
  }
}

function outcomeOf(status: PromptStatus): EvaluateOutcome {
  return status === 'queued' ? 'queued' : status === 'pending_review' ? 'pending-review' : 'skipped';
}
