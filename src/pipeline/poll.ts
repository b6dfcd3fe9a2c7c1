/**
 * Poll one campaign: run its planned searches, hand every matching resource on for evaluation (in batches,
 * page by page), and only then advance the watermark. A crash mid-poll leaves the watermark where it was.
 */
import { planTriggerSearches, type TriggerSearch, valueSetsOf } from '../campaigns/index.ts';
import { type FhirResource, failureReason } from '../fhir/index.ts';
import { TemplateError } from '../render/index.ts';
import type { Context } from './context.ts';
import { candidateOf } from './matches.ts';
import { evaluateJobsFor, type PolledCandidate, type PollWork } from './work.ts';

export interface PollOutcome {
  pollRunId?: string;
  /** Trigger resources handed on for evaluation. */
  matched: number;
  pages: number;
  /** Matches that could not be used (malformed, no patient subject). */
  unusable: number;
  status: 'completed' | 'campaign-inactive';
}

export async function pollCampaign(job: PollWork, ctx: Context): Promise<PollOutcome> {
  const { store, gateway, config, clock, enqueue } = ctx;
  const stored = await store.getCampaign(job.campaignId);
  if (!stored?.campaign.active) return { matched: 0, pages: 0, unusable: 0, status: 'campaign-inactive' };

  const asOf = clock();
  const expansions = await ctx.valueSets.expand(valueSetsOf(stored.campaign), asOf);
  const searches = planTriggerSearches(stored.campaign, stored.state, asOf, config.poll.overlapSeconds * 1000, expansions);
  const fullScan = searches.some((search) => search.purpose === 'full-window');
  const pollRunId = await store.startPollRun(job.campaignId, asOf, fullScan ? undefined : stored.state.watermark);
  const logger = ctx.logger.child({ campaignId: job.campaignId, pollRunId });
  const outcome: PollOutcome = { pollRunId, matched: 0, pages: 0, unusable: 0, status: 'completed' };
  try {
    // A campaign whose template cannot be used fails here, before it records work nobody can render; the
    // watermark stays put, so the poll after the template is fixed searches the same range again.
    const [broken] = ctx.templates.problemsFor(stored.campaign);
    if (broken) throw new TemplateError(broken.file, `(template '${stored.campaign.template}') ${broken.problem}`);
    // One candidate per trigger a poll run: a criteria change and the trigger's own change may both find it.
    const handedOn = new Set<string>();
    for (const search of searches) {
      for await (const page of gateway.searchPages(search.resourceType, search.params)) {
        outcome.pages += 1;
        const candidates: PolledCandidate[] = [];
        const found = search.triggers ? await triggersOfPatients(page.matches, search.triggers, ctx, outcome) : page.matches;
        for (const resource of found) {
          const candidate = candidateOf(resource);
          if (!candidate) {
            outcome.unusable += 1;
            logger.warn({ resource: `${resource.resourceType}/${resource.id ?? '?'}` }, 'poll: unusable match skipped');
            continue;
          }
          if (handedOn.has(candidate.triggerRef)) continue;
          handedOn.add(candidate.triggerRef);
          candidates.push({ campaignId: job.campaignId, pollRunId, asOf: asOf.toISOString(), ...candidate });
        }
        // Recorded in PostgreSQL before Redis: if the jobs are lost, the sweep finds the candidates.
        await store.recordCandidates(candidates.map(({ asOf: _asOf, ...candidate }) => candidate));
        await enqueue.evaluations(evaluateJobsFor(candidates));
        outcome.matched += candidates.length;
      }
    }
    await store.completePollRun(pollRunId, { matched: outcome.matched, pages: outcome.pages, fullScan });
    logger.info({ matched: outcome.matched, pages: outcome.pages, searches: searches.map((s) => s.purpose) }, 'poll: completed');
    return outcome;
  } catch (error) {
    await store.failPollRun(pollRunId, failureReason(error));
    if (error instanceof TemplateError)
      logger.error({ templateId: stored.campaign.template, file: error.file }, 'poll: template cannot be used');
    throw error;
  }
}

/**
 * The triggers of the patients whose criteria records changed: one search (`subject=Patient/a,Patient/b`) per
 * page of changed records, every page followed; the pages count towards the poll's.
 */
async function triggersOfPatients(
  changed: readonly FhirResource[],
  triggers: NonNullable<TriggerSearch['triggers']>,
  ctx: Context,
  outcome: PollOutcome,
): Promise<FhirResource[]> {
  const patients = [...new Set(changed.flatMap((resource) => candidateOf(resource)?.patientId ?? []))];
  if (patients.length === 0) return [];
  const found: FhirResource[] = [];
  const params = { ...triggers.params, subject: patients.map((id) => `Patient/${id}`).join(',') };
  for await (const page of ctx.gateway.searchPages(triggers.resourceType, params)) {
    outcome.pages += 1;
    found.push(...page.matches);
  }
  return found;
}
