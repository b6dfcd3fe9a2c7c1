/**
 * An operator's retry of failed prompts once their cause is fixed: each queued again (audited with who asked)
 * and handed to the send stage like an approval. The transport's idempotency on the prompt key still makes each
 * message once.
 */
import type { Enqueue, PromptStatus, Store } from './ports.ts';
import { sendJobsFor } from './work.ts';

/** One prompt, or a campaign's failed prompts (those that failed at or after `since`, when given). */
export type RetryTarget = { promptId: string } | { campaignId: string; since?: Date };

/** The prompt named cannot be retried: it does not exist (`status` undefined) or is not failed. */
export class NotRetryableError extends Error {
  override readonly name = 'NotRetryableError';
  constructor(
    readonly promptId: string,
    readonly status: PromptStatus | undefined,
  ) {
    super(status ? `prompt ${promptId} is ${status}, not failed: only failed prompts can be retried` : `prompt ${promptId} does not exist`);
  }
}

/** Returns the prompts queued again, oldest failure first; one a concurrent retry took first is left out. */
export async function retryFailedPrompts(target: RetryTarget, actor: string, ctx: { store: Store; enqueue: Enqueue }): Promise<string[]> {
  const ids =
    'promptId' in target
      ? [await failedPrompt(ctx.store, target.promptId)]
      : await ctx.store.findFailedPrompts(target.campaignId, target.since);
  const queued: string[] = [];
  for (const id of ids) if (await ctx.store.retryFailed(id, actor)) queued.push(id);
  await ctx.enqueue.sends(sendJobsFor(queued));
  return queued;
}

async function failedPrompt(store: Store, promptId: string): Promise<string> {
  const prompt = await store.getPrompt(promptId);
  if (prompt?.status !== 'failed') throw new NotRetryableError(promptId, prompt?.status);
  return prompt.id;
}
