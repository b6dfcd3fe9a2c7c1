/** What one run of the pipeline came to, per campaign, read back from the record once its work is done. */
import type { FhirRequestCounts } from '../fhir/index.ts';
import type { PromptStatus, Store } from './ports.ts';
import type { SweepResult } from './sweep.ts';

export interface CampaignRunSummary {
  campaignId: string;
  pollRunId?: string;
  /** The poll failed for good: the watermark did not move, so the next run searches the range again. */
  pollFailed: boolean;
  matched: number;
  pages: number;
  /** New prompts from this run, by status. */
  prompts: Record<PromptStatus, number>;
  /** Matches that had been handled by an earlier run (same idempotency key). */
  alreadyHandled: number;
  /** Matches skipped because the patient was prompted within the repeat period. */
  recentlyPrompted: number;
  /**
   * Matches the campaign's own rules rejected, with nothing recorded: the server matched loosely, a result's value
   * failed its test, the trigger is not due yet, or its patient was not found.
   */
  notMatched: number;
  /** New prompts waiting for quiet hours to end or a frequency-cap slot: sent then, not a failure. */
  deferred: { count: number; earliest?: string; latest?: string };
  /**
   * Work this run could not finish: matches whose evaluation failed for good or never ran, and prompts still
   * queued and due (a send that kept failing transiently, or one another sender holds). Counted as failures.
   */
  unfinished: number;
}

export interface RunSummary {
  startedAt: string;
  finishedAt: string;
  /** Unfinished work of earlier runs (lost jobs) queued again. */
  recovered: SweepResult;
  campaigns: CampaignRunSummary[];
  totals: { matched: number; sent: number; skipped: number; failed: number; pendingReview: number };
  fhirRequests: FhirRequestCounts;
}

const NO_PROMPTS: Record<PromptStatus, number> = { pending_review: 0, queued: 0, sent: 0, failed: 0, skipped: 0 };

/** `polls`: campaign id → its completed poll's run id (undefined: the campaign was inactive); absent: the poll failed. */
export async function summariseCampaigns(
  store: Store,
  campaignIds: string[],
  polls: ReadonlyMap<string, string | undefined>,
  now: Date,
): Promise<CampaignRunSummary[]> {
  const pollRunIds = [...polls.values()].flatMap((pollRunId) => (pollRunId ? [pollRunId] : []));
  const runs = new Map((await store.getPollRuns(pollRunIds)).map((run) => [run.campaignId, run]));
  const deferred = new Map((await store.findDeferred(pollRunIds, now)).map((row) => [row.campaignId, row]));
  const outcomes = await store.countCandidateOutcomes(pollRunIds);
  const outcomeCount = (campaignId: string, outcome: string | null) =>
    outcomes.find((row) => row.campaignId === campaignId && row.outcome === outcome)?.count ?? 0;
  return Promise.all(
    campaignIds.map(async (campaignId) => {
      const run = runs.get(campaignId);
      const prompts = run ? await store.countPromptsByStatus({ pollRunIds: [run.id] }) : { ...NO_PROMPTS };
      const waiting = deferred.get(campaignId);
      return {
        campaignId,
        ...(run ? { pollRunId: run.id } : {}),
        pollFailed: !polls.has(campaignId),
        matched: run?.matched ?? 0,
        pages: run?.pages ?? 0,
        prompts,
        alreadyHandled: outcomeCount(campaignId, 'already-handled'),
        recentlyPrompted: outcomeCount(campaignId, 'recently-prompted'),
        notMatched: outcomeCount(campaignId, 'no-match') + outcomeCount(campaignId, 'patient-not-found'),
        deferred: waiting
          ? { count: waiting.count, earliest: waiting.earliest.toISOString(), latest: waiting.latest.toISOString() }
          : { count: 0 },
        unfinished: outcomeCount(campaignId, 'error') + outcomeCount(campaignId, null) + prompts.queued - (waiting?.count ?? 0),
      };
    }),
  );
}

export function totalsOf(campaigns: readonly CampaignRunSummary[]): RunSummary['totals'] {
  const sum = (value: (c: CampaignRunSummary) => number) => campaigns.reduce((total, campaign) => total + value(campaign), 0);
  return {
    matched: sum((c) => c.matched),
    sent: sum((c) => c.prompts.sent),
    skipped: sum((c) => c.prompts.skipped),
    failed: sum((c) => c.prompts.failed + c.unfinished + (c.pollFailed ? 1 : 0)),
    pendingReview: sum((c) => c.prompts.pending_review),
  };
}
