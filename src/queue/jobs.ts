/**
 * Glossary and job payloads. Payloads carry references, never patient data: a handler re-reads what it needs.
 *  - poll: one campaign's search against the FHIR server; hands each matching trigger resource on.
 *  - evaluate: a batch of candidates of one poll run, each a (patient, trigger resource): load the patients'
 *    records in one request, decide and render each, write the outbox rows.
 *  - send: a batch of outbox rows: deliver each exactly once and mark them sent.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const QUEUE_NAMES = { poll: 'poll', evaluate: 'evaluate', send: 'send' } as const;
export type QueueName = keyof typeof QUEUE_NAMES;

/**
 * Candidates per evaluate job: one FHIR search and a handful of SQL statements serve them all. Fifty keeps the
 * search URL's `_id` list near 2 KB even with 36-character ids, and a retried job's repeated work small.
 */
export const EVALUATE_BATCH_SIZE = 50;

const fhirId = z.string().regex(/^[A-Za-z0-9.-]{1,64}$/);

export const PollJob = z.object({ campaignId: z.string().min(1) });
export const EvaluateJob = z.object({
  campaignId: z.string().min(1),
  pollRunId: z.uuid(),
  /** The poll's reference time: windows and period keys are computed at it, so a retry decides the same. */
  asOf: z.iso.datetime(),
  candidates: z.array(z.object({ patientId: fhirId, triggerRef: z.string().regex(/^[A-Za-z]+\/[A-Za-z0-9.-]{1,64}$/) })).min(1),
});
/** Prompts per send job: an evaluate batch's prompts go out together, one claim and one record for all. */
export const SEND_BATCH_SIZE = EVALUATE_BATCH_SIZE;
export const SendJob = z.object({ promptIds: z.array(z.uuid()).min(1).max(SEND_BATCH_SIZE) });

export type PollJob = z.infer<typeof PollJob>;
export type EvaluateJob = z.infer<typeof EvaluateJob>;
export type SendJob = z.infer<typeof SendJob>;

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
export function evaluateJobsFor(candidates: readonly PolledCandidate[]): EvaluateJob[] {
  // By poll run, then by trigger: offset paging can repeat a resource, and a candidate is evaluated once.
  const byPollRun = new Map<string, Map<string, PolledCandidate>>();
  for (const candidate of candidates) {
    const group = byPollRun.get(candidate.pollRunId) ?? new Map<string, PolledCandidate>();
    if (!group.has(candidate.triggerRef)) group.set(candidate.triggerRef, candidate);
    byPollRun.set(candidate.pollRunId, group);
  }
  const jobs: EvaluateJob[] = [];
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
export function sendJobsFor(promptIds: readonly string[]): SendJob[] {
  const jobs: SendJob[] = [];
  for (let start = 0; start < promptIds.length; start += SEND_BATCH_SIZE) {
    jobs.push({ promptIds: promptIds.slice(start, start + SEND_BATCH_SIZE) });
  }
  return jobs;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** BullMQ job ids may not contain ':'; these are deterministic so the same work is never queued twice at once. */
export const jobIds = {
  evaluate: (job: EvaluateJob) => `evaluate_${job.pollRunId}_${digest(job.candidates.map((candidate) => candidate.triggerRef))}`,
  send: (job: SendJob) => `send_${digest(job.promptIds)}`,
};

function digest(values: readonly string[]): string {
  return createHash('sha1').update(values.join('\n')).digest('hex');
}
