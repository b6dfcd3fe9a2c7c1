/**
 * A dry run of one campaign: its poll over the whole due window, as a first poll searches it, and the decisions
 * the engine would make, against the live FHIR server. Nothing is written: the record is only read (keys already
 * written, patients recently prompted, messages counting against the caps) through DecisionReads, and nothing is
 * queued. Candidates are batched as the poll batches them and each batch is loaded and decided by the evaluate
 * job's own loadBatchFacts and decideBatch (eligibility, rendering, quiet hours, caps), so the report is what the
 * engine would do. The campaign is run as if active: a care manager tries it before setting `active: true`.
 */
import { randomUUID } from 'node:crypto';
import { type Campaign, planTriggerSearches, valueSetsOf } from '../campaigns/index.ts';
import { TemplateError } from '../render/index.ts';
import { type DecisionReads, loadBatchFacts } from './batch-facts.ts';
import type { Services } from './context.ts';
import { batchCandidates, type CandidateDecision, decideBatch } from './decide-batch.ts';
import { overlayOf } from './dry-run-overlay.ts';
import {
  CriteriaFacts,
  countOutcomes,
  type DryRunCandidate,
  type DryRunReport,
  type DryRunSample,
  TriggerFacts,
} from './dry-run-report.ts';
import { candidateOf } from './matches.ts';
import { isRedecidable, type NewPrompt } from './ports.ts';
import { evaluateJobsFor, type PolledCandidate } from './work.ts';

export interface DryRunServices extends Pick<Services, 'gateway' | 'templates' | 'config' | 'logger' | 'clock' | 'valueSets'> {
  store: DecisionReads;
}

export type DryRunProgress =
  | { phase: 'search'; pages: number; matched: number /** Bundle.total of the latest page, when the server gives it. */; total?: number }
  | { phase: 'decide'; done: number; total: number };

export interface DryRunOptions {
  source: DryRunReport['source'];
  /** How many messages to render in full. */
  samples: number;
  onProgress?: (progress: DryRunProgress) => void;
}

export async function dryRunCampaign(definition: Campaign, services: DryRunServices, options: DryRunOptions): Promise<DryRunReport> {
  const campaign: Campaign = { ...definition, active: true };
  const [broken] = services.templates.problemsOf(campaign.template);
  if (broken) throw new TemplateError(broken.file, `(template '${campaign.template}') ${broken.problem}`);
  const asOf = services.clock();
  const logger = services.logger.child({ campaignId: campaign.id, dryRun: true });
  const progress = options.onProgress ?? (() => {});
  const searched = await searchDueWindow(campaign, asOf, services, progress);

  const jobs = evaluateJobsFor(searched.candidates);
  const total = jobs.reduce((sum, job) => sum + job.candidates.length, 0);
  const candidates: DryRunCandidate[] = [];
  const samples: DryRunSample[] = [];
  const record = overlayOf(services.store);
  const sources = { gateway: services.gateway, store: record.reads, logger, config: services.config, valueSets: services.valueSets };
  progress({ phase: 'decide', done: 0, total });
  for (const job of jobs) {
    const batch = batchCandidates(job, campaign, undefined, asOf);
    const taken = new Set(
      (await record.reads.findPromptsByKeys(batch.map(({ identity }) => identity.idempotencyKey)))
        .filter((row) => !isRedecidable(row))
        .map((row) => row.idempotencyKey),
    );
    const fresh = batch.filter(({ identity }) => !taken.has(identity.idempotencyKey));
    for (const { triggerRef, identity } of batch) {
      if (taken.has(identity.idempotencyKey))
        candidates.push({ triggerRef, patientRef: identity.patientRef, outcome: 'skip', reason: 'already handled' });
    }
    const patientRefs = new Map(batch.map(({ triggerRef, identity }) => [triggerRef, identity.patientRef]));
    const facts = await loadBatchFacts(campaign, fresh, { asOf, decidedAt: asOf }, sources);
    for (const decision of decideBatch(campaign, fresh, facts, services)) {
      if (!('prompt' in decision)) {
        const { triggerRef } = decision;
        candidates.push({
          triggerRef,
          patientRef: patientRefs.get(triggerRef) ?? '',
          outcome: 'skip',
          reason: skipReason(decision, campaign),
        });
        continue;
      }
      record.add(decision.prompt);
      const outcome = promptOutcome(decision.prompt);
      candidates.push(outcome);
      const sample = outcome.outcome !== 'skip' && samples.length < options.samples ? sampleOf(decision.prompt, outcome) : undefined;
      if (sample) samples.push(sample);
    }
    progress({ phase: 'decide', done: candidates.length, total });
  }
  return {
    campaignId: campaign.id,
    source: options.source,
    asOf: asOf.toISOString(),
    search: { pages: searched.pages, unusable: searched.unusable },
    matched: { candidates: candidates.length, patients: new Set(candidates.map((c) => c.patientRef)).size },
    counts: countOutcomes(candidates),
    samples,
    candidates,
  };
}

/** The campaign's searches as its first poll plans them (no watermark: the whole due window). */
async function searchDueWindow(campaign: Campaign, asOf: Date, services: DryRunServices, progress: (p: DryRunProgress) => void) {
  const pollRunId = randomUUID();
  const result = { pages: 0, unusable: 0, candidates: [] as PolledCandidate[] };
  let total: number | undefined;
  const expansions = await services.valueSets.expand(valueSetsOf(campaign), asOf);
  for (const search of planTriggerSearches(campaign, {}, asOf, services.config.poll.overlapSeconds * 1000, expansions)) {
    for await (const page of services.gateway.searchPages(search.resourceType, search.params)) {
      result.pages += 1;
      total = page.total ?? total;
      for (const resource of page.matches) {
        const candidate = candidateOf(resource);
        if (candidate) result.candidates.push({ campaignId: campaign.id, pollRunId, asOf: asOf.toISOString(), ...candidate });
        else result.unusable += 1;
      }
      progress({ phase: 'search', pages: result.pages, matched: result.candidates.length, ...(total === undefined ? {} : { total }) });
    }
  }
  return result;
}

/** Why a candidate that gets no row would not be prompted, in the words of `run --once`'s summary. */
function skipReason(decision: Extract<CandidateDecision, { outcome: string }>, campaign: Campaign): string {
  switch (decision.outcome) {
    case 'already-handled':
      return 'already handled';
    case 'recently-prompted':
      return `recently prompted (within ${campaign.repeat})`;
    case 'no-match':
      return `not matched: ${decision.reason ?? 'the campaign rules reject it'}`;
    case 'patient-not-found':
      return 'patient not found';
    case 'error':
      return 'trigger resource unreadable';
  }
}

/** A row's fate: skipped as decided, held for review, deferred to its slot, or sent now. */
function promptOutcome(prompt: NewPrompt): DryRunCandidate {
  const criteria = CriteriaFacts.optional().parse(prompt.evidence.criteria);
  const refs = { triggerRef: prompt.triggerRefs[0] ?? '', patientRef: prompt.patientRef, ...(criteria ? { criteria } : {}) };
  if (prompt.status === 'skipped') return { ...refs, outcome: 'skip', reason: prompt.reason ?? 'skipped' };
  if (prompt.status === 'pending_review') return { ...refs, outcome: 'review', ...(prompt.reason ? { reason: prompt.reason } : {}) };
  const { deferred } = prompt;
  return deferred
    ? { ...refs, outcome: 'defer', reason: deferred.reason, notBefore: deferred.until.toISOString() }
    : { ...refs, outcome: 'send' };
}

function sampleOf(prompt: NewPrompt, outcome: Exclude<DryRunCandidate, { outcome: 'skip' }>): DryRunSample | undefined {
  if (prompt.renderedText === undefined) return undefined;
  return {
    triggerRef: outcome.triggerRef,
    patientRef: outcome.patientRef,
    outcome: outcome.outcome,
    ...(outcome.outcome === 'defer' ? { notBefore: outcome.notBefore } : {}),
    templateId: prompt.templateId,
    ...(prompt.language ? { language: prompt.language } : {}),
    trigger: TriggerFacts.parse(prompt.evidence.trigger),
    text: prompt.renderedText,
  };
}
