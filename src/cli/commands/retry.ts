/**
 * `careprompt outreach retry <prompt-id>` and `outreach retry --campaign <id> --status failed [--since …]`:
 * failed prompts queued again once their cause is fixed (see pipeline/retry.ts); those past PROMPT_EXPIRY_HOURS
 * only with `--force`.
 */
import { z } from 'zod';
import { withAdminServices } from '../../app/index.ts';
import { parseDurationMs } from '../../campaigns/index.ts';
import { loadAdminConfig } from '../../config/index.ts';
import { NotRetryableError, PromptExpiredError, retryFailedPrompts } from '../../pipeline/index.ts';
import { EXIT, InputError, UsageError } from '../errors.ts';

export type RetryTarget = { promptId: string } | { campaignId: string; status: string | undefined; since: string | undefined };

export async function retryOutreach(target: RetryTarget, options: { actor: string; force?: boolean; now?: Date }): Promise<number> {
  const since = 'campaignId' in target ? retrySince(target, options.now ?? new Date()) : undefined;
  if ('promptId' in target && !z.uuid().safeParse(target.promptId).success) {
    throw new UsageError(`"${target.promptId}" is not a prompt id (see: careprompt outreach list --status failed)`);
  }
  const { queued, expired } = await withAdminServices(loadAdminConfig(), async (services) => {
    try {
      return await retryFailedPrompts(
        'promptId' in target ? target : { campaignId: target.campaignId, ...(since ? { since } : {}) },
        options.actor,
        services,
        { force: options.force ?? false },
      );
    } catch (error) {
      if (error instanceof PromptExpiredError) {
        const hours = error.expireAfterMs / 3_600_000;
        throw new InputError(
          `prompt ${error.promptId} became sendable more than ${hours} hours ago (PROMPT_EXPIRY_HOURS=${hours}): expired, not retried; --force queues it anew`,
        );
      }
      if (!(error instanceof NotRetryableError)) throw error;
      throw new InputError(error.status ? error.message : `${error.message} (see: careprompt outreach list --status failed)`);
    }
  });
  for (const id of queued) console.log(`queued  ${id}`);
  for (const id of expired) console.log(`expired, not retried  ${id}`);
  console.log(`${queued.length} failed prompt${queued.length === 1 ? '' : 's'} queued for sending`);
  if (expired.length > 0) console.log(`${expired.length} past PROMPT_EXPIRY_HOURS, not retried (--force queues them anew)`);
  return EXIT.ok;
}

/** `--since` as an instant: an ISO date or date-time, or an ISO-8601 duration back from now (PT6H, P2D). */
function retrySince(target: { status: string | undefined; since: string | undefined }, now: Date): Date | undefined {
  if (target.status !== 'failed')
    throw new UsageError('outreach retry --campaign <id> needs --status failed: only failed prompts are retried');
  if (target.since === undefined) return undefined;
  const duration = parseDurationMs(target.since);
  if (duration !== undefined && duration > 0) return new Date(now.getTime() - duration);
  const date = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).safeParse(target.since);
  if (date.success) return new Date(date.data);
  throw new UsageError(
    `--since must be an ISO date or date-time (2026-11-30, 2026-11-30T08:00:00Z) or a duration (PT6H, P2D), not "${target.since}"`,
  );
}
