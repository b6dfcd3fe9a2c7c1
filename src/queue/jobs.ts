/**
 * Glossary and job payloads. Payloads carry references, never patient data: a handler re-reads what it needs.
 *  - poll: one campaign's search against the FHIR server; hands each matching trigger resource on.
 *  - evaluate: one (campaign, patient, trigger resource): decide, render, write the outbox row.
 *  - send: one outbox row: deliver it exactly once and mark it sent.
 */
import { z } from 'zod';

export const QUEUE_NAMES = { poll: 'poll', evaluate: 'evaluate', send: 'send' } as const;
export type QueueName = keyof typeof QUEUE_NAMES;

export const PollJob = z.object({ campaignId: z.string().min(1) });
export const EvaluateJob = z.object({
  campaignId: z.string().min(1),
  pollRunId: z.uuid(),
  /** The poll's reference time: windows and period keys are computed at it, so a retry decides the same. */
  asOf: z.iso.datetime(),
  patientId: z.string().min(1),
  triggerRef: z.string().regex(/^[A-Za-z]+\/[A-Za-z0-9.-]{1,64}$/),
});
export const SendJob = z.object({ promptId: z.uuid() });

export type PollJob = z.infer<typeof PollJob>;
export type EvaluateJob = z.infer<typeof EvaluateJob>;
export type SendJob = z.infer<typeof SendJob>;

/** BullMQ job ids may not contain ':'; these are deterministic so the same work is never queued twice at once. */
export const jobIds = {
  evaluate: (job: EvaluateJob) => `evaluate_${job.pollRunId}_${job.triggerRef.replace('/', '_')}`,
  send: (job: SendJob) => `send_${job.promptId}`,
};
