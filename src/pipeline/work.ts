/**
 * Glossary and the work each stage is handed (the queue's job payloads). Work carries references, never patient
 * data: a stage re-reads what it needs.
 *  - poll: one campaign's search against the FHIR server; hands each matching trigger resource on.
 *  - evaluate: a batch of candidates of one poll run, each a (patient, trigger resource): load the patients'
 *    records in one request, decide and render each, write the outbox rows.
 *  - send: a batch of outbox rows: deliver each exactly once and mark them sent.
 */
import { z } from 'zod';

/**
 * Candidates per evaluate job: one FHIR search and a handful of SQL statements serve them all. Fifty keeps the
 * search URL's `_id` list near 2 KB even with 36-character ids, and a retried job's repeated work small.
 */
export const EVALUATE_BATCH_SIZE = 50;

const fhirId = z.string().regex(/^[A-Za-z0-9.-]{1,64}$/);

export const PollWork = z.object({ campaignId: z.string().min(1) });
export const EvaluateWork = z.object({
  campaignId: z.string().min(1),
  pollRunId: z.uuid(),
  /** The poll's reference time: windows and period keys are computed at it, so a retry decides the same. */
  asOf: z.iso.datetime(),
  candidates: z.array(z.object({ patientId: fhirId, triggerRef: z.string().regex(/^[A-Za-z]+\/[A-Za-z0-9.-]{1,64}$/) })).min(1),
});
/** Prompts per send job: an evaluate batch's prompts go out together, one claim and one record for all. */
export const SEND_BATCH_SIZE = EVALUATE_BATCH_SIZE;
export const SendWork = z.object({ promptIds: z.array(z.uuid()).min(1).max(SEND_BATCH_SIZE) });

export type PollWork = z.infer<typeof PollWork>;
export type EvaluateWork = z.infer<typeof EvaluateWork>;
export type SendWork = z.infer<typeof SendWork>;

/** A trigger resource handed on by a poll, with what its evaluation needs to know of that poll. */
export interface PolledCandidate {
  campaignId: string;
  pollRunId: string;
  asOf: string;
  patientId: string;
  triggerRef: string;
}

/**
 * Groups candidates into evaluate jobs: by poll run (campaign and reference time come with it), a patient's
 * candidates side by side so their record is loaded once, at most EVALUATE_BATCH_SIZE per job.
 */
export function evaluateJobsFor(candidates: readonly PolledCandidate[]): EvaluateWork[] {
  // By poll run, then by trigger: offset paging can repeat a resource, and a candidate is evaluated once.
  const byPollRun = new Map<string, Map<string, PolledCandidate>>();
  for (const candidate of candidates) {
    const group = byPollRun.get(candidate.pollRunId) ?? new Map<string, PolledCandidate>();
    if (!group.has(candidate.triggerRef)) group.set(candidate.triggerRef, candidate);
    byPollRun.set(candidate.pollRunId, group);
  }
  const jobs: EvaluateWork[] = [];
  for (const group of byPollRun.values()) {
    const sorted = [...group.values()].sort((a, b) => compare(a.patientId, b.patientId) || compare(a.triggerRef, b.triggerRef));
    for (let start = 0; start < sorted.length; start += EVALUATE_BATCH_SIZE) {
      const slice = sorted.slice(start, start + EVALUATE_BATCH_SIZE);
      const [first] = slice;
      if (!first) continue;
      jobs.push({
        campaignId: first.campaignId,
        pollRunId: first.pollRunId,
        asOf: first.asOf,
        candidates: slice.map(({ patientId, triggerRef }) => ({ patientId, triggerRef })),
      });
    }
  }
  return jobs;
}

/** Send jobs for these prompts, in order, at most SEND_BATCH_SIZE per job. */
export function sendJobsFor(promptIds: readonly string[]): SendWork[] {
  const jobs: SendWork[] = [];
  for (let start = 0; start < promptIds.length; start += SEND_BATCH_SIZE) {
    jobs.push({ promptIds: promptIds.slice(start, start + SEND_BATCH_SIZE) });
  }
  return jobs;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
