/**
 * A clinician's decision on a prompt held for review: approval queues it for sending at once, rejection
 * withholds it for good. Both are audited with the reviewer's name (by the store).
 */
import type { Enqueue, PromptStatus, ReviewDecision, Store } from './ports.ts';
import { sendJobsFor } from './work.ts';

export type ReviewResult =
  | { kind: 'approved' | 'rejected' }
  /** Nothing was changed: the prompt does not exist, or is not waiting for review (its status says where it is). */
  | { kind: 'not-pending'; status?: PromptStatus };

export async function reviewPrompt(
  promptId: string,
  review: ReviewDecision,
  ctx: { store: Store; enqueue: Enqueue },
): Promise<ReviewResult> {
  if (!(await ctx.store.reviewPrompt(promptId, review))) {
    const prompt = await ctx.store.getPrompt(promptId);
    return prompt ? { kind: 'not-pending', status: prompt.status } : { kind: 'not-pending' };
  }
  if (review.decision === 'reject') return { kind: 'rejected' };
  await ctx.enqueue.sends(sendJobsFor([promptId]));
  return { kind: 'approved' };
}
