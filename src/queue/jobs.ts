/** The queues, one per pipeline stage, and the ids of their jobs. */
import { createHash } from 'node:crypto';
import type { EvaluateWork, SendWork } from '../pipeline/index.ts';

export const QUEUE_NAMES = { poll: 'poll', evaluate: 'evaluate', send: 'send' } as const;
export type QueueName = keyof typeof QUEUE_NAMES;

/** BullMQ job ids may not contain ':'; these are deterministic so the same work is never queued twice at once. */
export const jobIds = {
  evaluate: (job: EvaluateWork) => `evaluate_${job.pollRunId}_${digest(job.candidates.map((candidate) => candidate.triggerRef))}`,
  send: (job: SendWork) => `send_${digest(job.promptIds)}`,
  /**
   * A deferral's re-queue is queued by the job that deferred it, still running under the plain send id: with
   * that id BullMQ would drop it. The time makes it its own job, and marks it for isDeferredSend.
   */
  deferredSend: (job: SendWork, until: Date) => `send_${digest(job.promptIds)}${DEFERRED_MARK}${until.getTime()}`,
};

const DEFERRED_MARK = '_until';

/** Whether a send job is a deferral's re-queue (a one-off run does not wait for those). */
export function isDeferredSend(jobId: string | undefined): boolean {
  return jobId?.startsWith('send_') === true && jobId.includes(DEFERRED_MARK);
}

function digest(values: readonly string[]): string {
  return createHash('sha1').update(values.join('\n')).digest('hex');
}
