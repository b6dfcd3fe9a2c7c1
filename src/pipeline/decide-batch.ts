/**
 * The decision over one batch of candidates (pure but for the compiled templates): given what was loaded for it
 * (batch-facts.ts), what each candidate comes to, a row to write or an outcome without one. The evaluate job
 * and the dry run both call it, so a dry run says what the engine would do. A rule that needs more of the
 * record (opt-outs, caps) adds its facts to BatchFacts and its check here.
 */
import { type Campaign, decide, promptKey } from '../campaigns/index.ts';
import type { Config } from '../config/index.ts';
import type { Expansions } from '../criteria/index.ts';
import type { PatientContext } from '../fhir/index.ts';
import type { TemplateRegistry } from '../render/index.ts';
import type { PatientMessage } from '../schedule/index.ts';
import type { TriggerResource } from '../triggers/index.ts';
import { type PromptIdentity, renderedPrompt, skippedPrompt, wordingAt } from './draft-prompt.ts';
import { planSlots } from './plan-slots.ts';
import type { CandidateOutcome, NewPrompt, PromptStatus, Store } from './ports.ts';
import type { EvaluateWork } from './work.ts';

export interface BatchCandidate {
  patientId: string;
  triggerRef: string;
  /** Its row's key and references, whatever is decided. */
  identity: PromptIdentity;
}

/** A candidate's trigger resource: 'unreadable' when the server refuses the read for good, undefined when gone. */
export type LoadedTrigger = TriggerResource | 'unreadable' | undefined;

export interface BatchFacts {
  /** The poll's reference time: due windows and repeat periods are computed at it. */
  asOf: Date;
  /** When the batch is decided: quiet hours and caps are read at it. */
  decidedAt: Date;
  /** The campaign's value sets, expanded for this batch (their versions are recorded with each prompt). */
  expansions: Expansions;
  /** By patient id; a patient the server does not have is missing. */
  contexts: ReadonlyMap<string, PatientContext>;
  /** By trigger reference. */
  triggers: ReadonlyMap<string, LoadedTrigger>;
  /** Patient references prompted by this campaign within its repeat period. */
  recentlyPrompted: ReadonlySet<string>;
  /** The batch's patients' local opt-outs (`patients opt-out`); their Consents come with their records. */
  optOuts: Awaited<ReturnType<Store['findOptOuts']>>;
  /** The batch's patients' local results-by-message preferences; their Consents come with their records. */
  resultsPreferences: Awaited<ReturnType<Store['findResultsPreferences']>>;
  /** By patient reference, the messages that count against the frequency caps (none when the campaign is exempt). */
  messages: ReadonlyMap<string, readonly PatientMessage[]>;
}

/** What a candidate comes to: a row to write (its outcome follows from the row), or an outcome alone. */
export type CandidateDecision =
  | { triggerRef: string; prompt: NewPrompt }
  | {
      triggerRef: string;
      outcome: Extract<CandidateOutcome, 'already-handled' | 'patient-not-found' | 'error' | 'no-match' | 'recently-prompted'>;
      /** Why it is not a candidate after all (for `no-match`). */
      reason?: string;
    };

/** The batch's candidates with their keys, at the poll's reference time. */
/** `campaignVersion`: the version of the campaign the batch is decided under, recorded with each prompt. */
export function batchCandidates(
  job: EvaluateWork,
  campaign: Campaign,
  campaignVersion: number | undefined,
  decidedAt: Date,
): BatchCandidate[] {
  const asOf = new Date(job.asOf);
  return job.candidates.map(({ patientId, triggerRef }) => {
    const patientRef = `Patient/${patientId}`;
    const idempotencyKey = promptKey(campaign, patientRef, triggerRef, asOf);
    return {
      patientId,
      triggerRef,
      identity: {
        idempotencyKey,
        campaignId: campaign.id,
        ...(campaignVersion === undefined ? {} : { campaignVersion }),
        pollRunId: job.pollRunId,
        patientRef,
        triggerRefs: [triggerRef],
        decidedAt,
      },
    };
  });
}

/**
 * Decides every candidate in order, then gives each prompt to queue its slot (quiet hours, caps). A later
 * candidate whose key an earlier one of the batch claimed is already handled, as it would be if the two had been
 * evaluated one after the other.
 */
export function decideBatch(
  campaign: Campaign,
  candidates: readonly BatchCandidate[],
  facts: BatchFacts,
  services: { config: Readonly<Config>; templates: TemplateRegistry },
): CandidateDecision[] {
  const { asOf } = facts;
  const claimed = new Set<string>();
  const valueSets = [...facts.expansions.values()].map(({ url, version, source }) => ({ url, version: version ?? null, source }));
  const decisions = candidates.map(({ patientId, triggerRef, identity }): CandidateDecision => {
    const key = identity.idempotencyKey;
    if (claimed.has(key)) return { triggerRef, outcome: 'already-handled' };
    const context = facts.contexts.get(patientId);
    // Not found may be a moment's inconsistency on the server: record no row, so a later poll can prompt.
    if (!context) return { triggerRef, outcome: 'patient-not-found' };
    const trigger = facts.triggers.get(triggerRef);
    if (trigger === 'unreadable') return { triggerRef, outcome: 'error' };
    if (trigger === undefined) return { triggerRef, outcome: 'no-match', reason: 'the trigger resource is gone' };
    const local = facts.optOuts.filter((optOut) => optOut.patientRef === identity.patientRef);
    const decision = decide(campaign, trigger, { ...context, local }, asOf, services.config.optOut, facts.expansions);
    if (decision.kind === 'no-match') return { triggerRef, outcome: 'no-match', reason: decision.reason };
    if (decision.kind === 'prompt' && facts.recentlyPrompted.has(identity.patientRef)) return { triggerRef, outcome: 'recently-prompted' };
    claimed.add(key);
    const basis = { criteria: decision.criteria, valueSets };
    const localResults = facts.resultsPreferences.find((preference) => preference.patientRef === identity.patientRef);
    return {
      triggerRef,
      prompt:
        decision.kind === 'skip'
          ? skippedPrompt(campaign, identity, trigger, decision, asOf, basis)
          : renderedPrompt(campaign, identity, { ...context, localResults }, trigger, asOf, basis, services),
    };
  });
  const drafts = decisions.flatMap((decision) => ('prompt' in decision ? [decision.prompt] : []));
  const planned = new Map(
    planSlots(campaign, drafts, facts.decidedAt, facts.messages, services.config).map((prompt) => [
      prompt.idempotencyKey,
      readAt(prompt, campaign, facts, services),
    ]),
  );
  return decisions.map((decision) =>
    'prompt' in decision ? { ...decision, prompt: planned.get(decision.prompt.idempotencyKey) ?? decision.prompt } : decision,
  );
}

/**
 * A prompt deferred to a later time is worded for that time: "yesterday" written at 23:00 must read "on Tuesday"
 * when it arrives two mornings later. Only the text changes: what was decided stays.
 */
function readAt(
  prompt: NewPrompt,
  campaign: Campaign,
  facts: BatchFacts,
  services: { config: Readonly<Config>; templates: TemplateRegistry },
): NewPrompt {
  const until = prompt.deferred?.until;
  const [triggerRef] = prompt.triggerRefs;
  const context = facts.contexts.get(prompt.patientRef.slice('Patient/'.length));
  const trigger = triggerRef ? facts.triggers.get(triggerRef) : undefined;
  if (!until || prompt.renderedText === undefined || !context || trigger === undefined || trigger === 'unreadable') return prompt;
  const worded = wordingAt(campaign, context, trigger, until, services);
  return worded ? { ...prompt, renderedText: worded.text } : prompt;
}

/** The candidate outcome of a row written with this status. */
export function outcomeOf(status: PromptStatus): CandidateOutcome {
  return status === 'queued' ? 'queued' : status === 'pending_review' ? 'pending-review' : 'skipped';
}
