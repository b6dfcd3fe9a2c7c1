/**
 * Evaluate a batch of candidates of one poll run: decide (pure) and render (pure) each, and write the outbox
 * rows. The batch shares its I/O: one campaign read, one query for keys already written, one FHIR search for
 * every patient's record (their Consents with it), one query for patients recently prompted, one for local opt-outs, one statement for the new rows and their
 * audit events, one send job for their delivery and one update recording each candidate's outcome. Rows are written before their
 * sends are queued, and unique keys make a retried or repeated evaluation a no-op.
 */
import { loadBatchFacts } from './batch-facts.ts';
import type { Context } from './context.ts';
import { type BatchCandidate, batchCandidates, decideBatch, outcomeOf } from './decide-batch.ts';
import { Deferrals } from './deferral.ts';
import { type CandidateOutcome, isRedecidable, type NewPrompt } from './ports.ts';
import { type EvaluateWork, sendJobsFor } from './work.ts';

/** What became of a candidate: the store's vocabulary (`error`: failed for good). */
export type EvaluateOutcome = CandidateOutcome;

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
  const candidates = batchCandidates(job, campaign, stored.version, decidedAt);

  const known = new Set<string>();
  // Queue again the rows still queued: an earlier attempt may have died between writing them and queuing.
  const sends: string[] = [];
  const deferrals = new Deferrals();
  for (const row of await store.findPromptsByKeys(candidates.map((candidate) => candidate.identity.idempotencyKey))) {
    // A skip for criteria that did not hold is decided again: the record may have changed (a new result).
    if (isRedecidable(row)) continue;
    known.add(row.idempotencyKey);
    if (row.status === 'queued') sends.push(row.id);
  }
  const isKnown = (candidate: BatchCandidate) => known.has(candidate.identity.idempotencyKey);
  settle(candidates.filter(isKnown), 'already-handled');
  const fresh = candidates.filter((candidate) => !isKnown(candidate));

  // Work recovered long after its poll (an outage) would tell of "yesterday" a week late: drop it.
  if (ctx.clock().getTime() - asOf.getTime() > ctx.config.queue.expireAfterMs) {
    settle(fresh, 'expired');
  } else if (fresh.length > 0) {
    const logger = ctx.logger.child({ campaignId: campaign.id, pollRunId: job.pollRunId });
    const facts = await loadBatchFacts(
      campaign,
      fresh,
      { asOf, decidedAt },
      { gateway: ctx.gateway, store, logger, config: ctx.config, valueSets: ctx.valueSets },
    );
    const drafts = new Map<string, NewPrompt>();
    for (const decision of decideBatch(campaign, fresh, facts, ctx)) {
      if ('prompt' in decision) drafts.set(decision.prompt.idempotencyKey, decision.prompt);
      else outcomes.set(decision.triggerRef, decision.outcome);
    }
    for (const row of await store.insertPrompts([...drafts.values()])) {
      const deferredUntil = drafts.get(row.idempotencyKey)?.deferred?.until;
      // Queue even when the row existed: a concurrent evaluation may have written it and not queued it yet.
      if (row.status === 'queued' && row.inserted && deferredUntil) deferrals.add(row.id, deferredUntil);
      else if (row.status === 'queued') sends.push(row.id);
      const triggerRef = drafts.get(row.idempotencyKey)?.triggerRefs[0];
      if (triggerRef) outcomes.set(triggerRef, row.inserted ? outcomeOf(row.status) : 'already-handled');
    }
  }
  await ctx.enqueue.sends(sendJobsFor(sends));
  await deferrals.enqueue(ctx.enqueue, decidedAt);
  return outcomes;
}
