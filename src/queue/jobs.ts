/** The queues, one per pipeline stage, and the ids of their jobs. */
import { createHash } from 'node:crypto';
import type { EvaluateWork, SendWork } from '../pipeline/index.ts';

export const QUEUE_NAMES = { poll: 'poll', evaluate: 'evaluate', send: 'send' } as const;
export type QueueName = keyof typeof QUEUE_NAMES;

/** BullMQ job ids may not contain ':'; these are deterministic so the same work is never queued twice at once. */
export const jobIds = {
  evaluate: (job: EvaluateWork) => `evaluate_${job.pollRunId}_${digest(job.candidates.map((candidate) => candidate.triggerRef))}`,
  send: (job: SendWork) => `send_${digest(job.promptIds)}`,
};

function digest(values: readonly string[]): string {
  return createHash('sha1').update(values.join('\n')).digest('hex');
}
