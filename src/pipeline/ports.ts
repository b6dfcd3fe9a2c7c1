/**
 * The narrow ports the pipeline's use-cases work through, never a BullMQ Job, a database handle or a Prisma type
 * (context.ts gathers them with the other services). The app builds them (src/app); tests pass in-memory ones:
 *  - Store: the record of what is owed and what was sent (PostgreSQL in production), in the pipeline's terms.
 *  - Enqueue: hands work to the next stage; the queue layer decides how (BullMQ in production).
 *  - Transport: delivers one message to the patient over a channel, idempotent on the prompt's key.
 *  - FhirGateway: searches and reads the EHR.
 */
// The record's domain types are the store's own (plain, no Prisma types); the port names what the use-cases do with them.

import type { Expansions } from '../criteria/index.ts';
import type { PatientMessage } from '../schedule/index.ts';
import type {
  CandidateOutcome,
  ClaimedPrompt,
  Delivery,
  FailedPrompt,
  NewPrompt,
  PatientOptOut,
  PromptRef,
  PromptStatus,
  SendDeferral,
  SendLease,
  StoredCampaign as StoreCampaign,
  StoredResultsPreference,
  Withdrawal,
} from '../store/index.ts';
import { REDECIDABLE_RULES } from '../store/index.ts';
import type { EvaluateWork, PolledCandidate, SendWork } from './work.ts';

export type {
  CandidateOutcome,
  ClaimedPrompt,
  Delivery,
  FailedPrompt,
  NewPrompt,
  PatientOptOut,
  PromptRef,
  PromptStatus,
  SendDeferral,
  SendLease,
  StoredResultsPreference,
  Withdrawal,
};

export type Clock = () => Date;

/** Whether a row holding a key may be decided again (a skip for criteria or an exclusion), not settled for good. */
export function isRedecidable(row: Pick<PromptRef, 'status' | 'rule'>): boolean {
  return row.status === 'skipped' && row.rule !== null && REDECIDABLE_RULES.includes(row.rule);
}

/** A campaign as stored, with its polling state. */
export type StoredCampaign = Pick<StoreCampaign, 'campaign' | 'state' | 'version'>;

export interface PendingCandidate {
  id: string;
  candidate: PolledCandidate;
  createdAt: Date | null;
}

export interface StaleQueuedPrompt {
  id: string;
  leaseUntil: Date | null;
  queuedAt: Date | null;
}

export interface PollRunRecord {
  id: string;
  campaignId: string;
  matched: number | null;
  pages: number | null;
}

export interface ReviewDecision {
  decision: 'approve' | 'reject';
  reviewer: string;
  note?: string;
  /** An approval's edit of the message: sent instead of the rendered text (audited with its diff). */
  text?: string;
}

/** What the use-cases need of the record; each method is one statement or transaction. */
export interface Store {
  getCampaign(id: string): Promise<StoredCampaign | undefined>;
  listCampaigns(filter?: { activeOnly?: boolean }): Promise<StoredCampaign[]>;

  startPollRun(campaignId: string, asOf: Date, since: Date | undefined): Promise<string>;
  completePollRun(runId: string, outcome: { matched: number; pages: number; fullScan: boolean }): Promise<void>;
  failPollRun(runId: string, error: string): Promise<void>;
  getPollRuns(runIds: string[]): Promise<PollRunRecord[]>;
  findPollRunsSince(campaignIds: string[], since: Date, status: 'running' | 'completed' | 'failed'): Promise<PollRunRecord[]>;

  recordCandidates(candidates: Array<Omit<PolledCandidate, 'asOf'>>): Promise<void>;
  markEvaluated(pollRunId: string, outcomes: ReadonlyArray<{ triggerRef: string; outcome: CandidateOutcome }>): Promise<void>;
  findPendingCandidates(createdBefore: Date, limit: number, afterId?: string): Promise<PendingCandidate[]>;
  countCandidateOutcomes(pollRunIds: string[]): Promise<Array<{ campaignId: string; outcome: string | null; count: number }>>;

  insertPrompts(prompts: readonly NewPrompt[]): Promise<Array<PromptRef & { inserted: boolean }>>;
  findPromptsByKeys(idempotencyKeys: readonly string[]): Promise<PromptRef[]>;
  findRecentlyPrompted(campaignId: string, patientRefs: readonly string[], since: Date): Promise<Set<string>>;
  /** The local opt-outs of these patients (`careprompt patients opt-out`), in one query. */
  findOptOuts(patientRefs: readonly string[]): Promise<PatientOptOut[]>;
  /** The local results-by-message preferences of these patients (`careprompt patients results-by-message`), in one query. */
  findResultsPreferences(patientRefs: readonly string[]): Promise<StoredResultsPreference[]>;
  getPrompt(id: string): Promise<(FailedPrompt & { status: PromptStatus }) | undefined>;
  getPromptStatuses(ids: readonly string[]): Promise<Map<string, PromptStatus>>;
  /** Rows deferred past `now` are left out. */
  findStaleQueued(queuedBefore: Date, limit: number, afterId?: string, now?: Date): Promise<StaleQueuedPrompt[]>;
  findFailedPrompts(campaignId: string, since?: Date): Promise<FailedPrompt[]>;
  countPromptsByStatus(filter: { pollRunIds: string[] }): Promise<Record<PromptStatus, number>>;
  /** Per campaign, the prompts of these poll runs still queued and deferred past `now`, and their earliest and latest time. */
  findDeferred(pollRunIds: string[], now: Date): Promise<Array<{ campaignId: string; count: number; earliest: Date; latest: Date }>>;

  /** Leaves alone prompts deferred past `now`. */
  claimForSending(promptIds: readonly string[], leaseMs: number, now: Date): Promise<SendLease>;
  /** Each patient's messages that count against the frequency caps (sent after `sentSince`) or compete for a slot. */
  findPatientMessages(patientRefs: readonly string[], sentSince: Date): Promise<ReadonlyMap<string, PatientMessage[]>>;
  /**
   * Race-free slots: with the patients locked against other senders, `decide` is shown their messages and names the
   * prompts that take a slot now; those are reserved at `now` before the lock is released.
   */
  reserveSlots(
    patientRefs: readonly string[],
    sentSince: Date,
    now: Date,
    decide: (messages: ReadonlyMap<string, PatientMessage[]>) => readonly string[],
  ): Promise<void>;
  extendLease(promptIds: readonly string[], token: string, leaseMs: number): Promise<number>;
  releaseLease(promptIds: readonly string[], token: string): Promise<void>;
  markSent(deliveries: readonly Delivery[]): Promise<void>;
  markFailed(id: string, reason: string): Promise<void>;
  /** Withdrawn prompts recorded as skipped, each audited with its rule, in one statement. */
  withdrawQueued(withdrawals: readonly Withdrawal[]): Promise<void>;
  /** Back to the review queue; `reason` when a rule beyond `review: required` holds it. */
  holdForReview(id: string, reason?: string): Promise<void>;
  /** Not before `until`: recorded with the reason (and the words for then), the lease given back; false if the lease was lost. */
  deferQueued(id: string, leaseToken: string, deferral: SendDeferral): Promise<boolean>;
  reviewPrompt(id: string, review: ReviewDecision): Promise<boolean>;
  /** `forced`: queued anew, its expiry counting from now, and audited as forced. */
  retryFailed(id: string, actor: string, options?: { forced?: boolean }): Promise<boolean>;
}

/**
 * Expands the value sets campaigns name: from a local file, else the FHIR server's `$expand` (cached, refreshed
 * daily). Throws when one cannot be expanded: a decision must never be made over a partial code list.
 */
export interface ValueSetSource {
  expand(urls: readonly string[], now: Date): Promise<Expansions>;
}

/** Hands work to the next stage; the queue layer decides how. */
export interface Enqueue {
  evaluations(jobs: EvaluateWork[]): Promise<void>;
  /** Queues a send, after `delayMs` when given. */
  send(job: SendWork, delayMs?: number): Promise<void>;
  /** Queues a send the policy deferred to `until`, after `delayMs`: a job of its own, which a one-off run does not wait for. */
  deferredSend(job: SendWork, until: Date, delayMs: number): Promise<void>;
  /** Queues sends at once, in one round trip. */
  sends(jobs: SendWork[]): Promise<void>;
}
