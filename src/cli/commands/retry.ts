/**
 * `careprompt outreach retry <prompt-id>` and `outreach retry --campaign <id> --status failed [--since …]`:
 * failed prompts queued again once their cause is fixed, each audited with who asked. Sending them goes
 * through the worker's queues like an approval, and the conditional create still makes each message once.
 */
import { z } from 'zod';
import { parseDurationMs } from '../../campaigns/index.ts';
import { loadAdminConfig } from '../../config/index.ts';
import { createDb, type Db, findFailedPrompts, getPrompt, retryFailed } from '../../store/index.ts';
import { EXIT, InputError, UsageError } from '../errors.ts';
import { queueSends } from '../services.ts';

export type RetryTarget = { promptId: string } | { campaignId: string; status: string | undefined; since: string | undefined };

export async function retryOutreach(target: RetryTarget, options: { actor: string; now?: Date }): Promise<number> {
  const since = 'campaignId' in target ? retrySince(target, options.now ?? new Date()) : undefined;
  if ('promptId' in target && !z.uuid().safeParse(target.promptId).success) {
    throw new UsageError(`"${target.promptId}" is not a prompt id (see: careprompt outreach list --status failed)`);
  }
  const config = loadAdminConfig();
  const db = createDb(config.databaseUrl);
  try {
    const ids = 'promptId' in target ? [await failedPrompt(db, target.promptId)] : await findFailedPrompts(db, target.campaignId, since);
    const queued: string[] = [];
    for (const id of ids) if (await retryFailed(db, id, options.actor)) queued.push(id);
    await queueSends(config, queued);
    for (const id of queued) console.log(`queued  ${id}`);
    console.log(`${queued.length} failed prompt${queued.length === 1 ? '' : 's'} queued for sending`);
    return EXIT.ok;
  } finally {
    await db.$disconnect();
  }
}

/** The prompt's id when it is failed; a usage error saying what it is otherwise. */
async function failedPrompt(db: Db, promptId: string): Promise<string> {
  const prompt = await getPrompt(db, promptId);
  if (!prompt) throw new InputError(`prompt ${promptId} does not exist (see: careprompt outreach list --status failed)`);
  if (prompt.status !== 'failed')
    throw new InputError(`prompt ${promptId} is ${prompt.status}, not failed: only failed prompts can be retried`);
  return prompt.id;
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
