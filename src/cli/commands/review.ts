/**
 * `careprompt outreach approve|reject <prompt-id>`: a clinician's decision on a prompt held for review.
 * Approval queues it on the worker's queues at once; rejection withholds it for good. Both are audited
 * with the reviewer's name.
 */
import { z } from 'zod';
import { loadAdminConfig } from '../../config/index.ts';
import { createDb, getPrompt, reviewPrompt } from '../../store/index.ts';
import { EXIT, UsageError } from '../errors.ts';
import { queueSends } from '../services.ts';

export interface ReviewOptions {
  decision: 'approve' | 'reject';
  reviewer: string | undefined;
  note: string | undefined;
}

export async function reviewOutreach(promptId: string, options: ReviewOptions): Promise<number> {
  if (!z.uuid().safeParse(promptId).success)
    throw new UsageError(`"${promptId}" is not a prompt id (see: careprompt outreach list --status pending_review)`);
  if (!options.reviewer) throw new UsageError('--reviewer <name> is required: reviews are audited');
  if (options.decision === 'reject' && !options.note) throw new UsageError('reject needs --note "<why>"');
  const config = loadAdminConfig();
  const db = createDb(config.databaseUrl);
  try {
    const done = await reviewPrompt(db, promptId, {
      decision: options.decision,
      reviewer: options.reviewer,
      ...(options.note ? { note: options.note } : {}),
    });
    if (!done) {
      const prompt = await getPrompt(db, promptId);
      process.stderr.write(`careprompt: prompt ${promptId} ${prompt ? `is ${prompt.status}, not pending_review` : 'does not exist'}\n`);
      return EXIT.failure;
    }
    if (options.decision === 'approve') await queueSends(config, [promptId]);
    console.log(`${options.decision === 'approve' ? 'approved' : 'rejected'}  ${promptId}`);
    return EXIT.ok;
  } finally {
    await db.$disconnect();
  }
}
