/**
 * An operator's retry of failed prompts once their cause is fixed: each queued again (audited with who asked)
 * and handed to the send stage like an approval. The transport's idempotency on the prompt key still makes each
 * message once. A retry does not restart the prompt's expiry: a prompt past PROMPT_EXPIRY_HOURS since it became
 * sendable (a week-old "keep the stitches dry") is not retried unless the operator forces it, which queues it
 * anew.
 */
import type { Config } from '../config/index.ts';
import { isExpired } from './policy.ts';
import type { Clock, Enqueue, FailedPrompt, PromptStatus, Store } from './ports.ts';
import { sendJobsFor } from './work.ts';

/** One prompt, or a campaign's failed prompts (those that failed at or after `since`, when given). */
export type RetryTarget = { promptId: string } | { campaignId: string; since?: Date };

export interface RetryContext {
  store: Store;
  enqueue: Enqueue;
  clock: Clock;
  config: { queue: Pick<Config['queue'], 'expireAfterMs'> };
}

export interface RetryOutcome {
  /** Queued again, oldest failure first; one a concurrent retry took first is left out. */
  queued: string[];
  /** Past their expiry, so not retried (without `force`). */
  expired: string[];
}

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

/** The prompt named is past its expiry: retrying it needs `force`. */
export class PromptExpiredError extends Error {
  override readonly name = 'PromptExpiredError';
  constructor(
    readonly promptId: string,
    readonly expireAfterMs: number,
  ) {
    super(`prompt ${promptId} became sendable more than ${expireAfterMs / 3_600_000} hours ago: expired, not retried`);
  }
}

/** `force`: prompts past their expiry are queued anew (audited as forced) instead of left out. */
export async function retryFailedPrompts(
  target: RetryTarget,
  actor: string,
  ctx: RetryContext,
  options: { force?: boolean } = {},
): Promise<RetryOutcome> {
  const prompts =
    'promptId' in target
      ? [await failedPrompt(ctx.store, target.promptId)]
      : await ctx.store.findFailedPrompts(target.campaignId, target.since);
  const now = ctx.clock();
  const { expireAfterMs } = ctx.config.queue;
  const outcome: RetryOutcome = { queued: [], expired: [] };
  for (const prompt of prompts) {
    const expired = isExpired(
      { queuedAtMs: (prompt.queuedAt ?? prompt.createdAt).getTime(), notBefore: prompt.notBefore },
      now,
      expireAfterMs,
    );
    if (expired && !options.force) {
      if ('promptId' in target) throw new PromptExpiredError(prompt.id, expireAfterMs);
      outcome.expired.push(prompt.id);
    } else if (await ctx.store.retryFailed(prompt.id, actor, { forced: expired })) {
      outcome.queued.push(prompt.id);
    }
  }
  await ctx.enqueue.sends(sendJobsFor(outcome.queued));
  return outcome;
}

async function failedPrompt(store: Store, promptId: string): Promise<FailedPrompt> {
  const prompt = await store.getPrompt(promptId);
  if (prompt?.status !== 'failed') throw new NotRetryableError(promptId, prompt?.status);
  return prompt;
}
