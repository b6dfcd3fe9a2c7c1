/** `careprompt outreach approve|reject <prompt-id>`: a clinician's decision on a prompt held for review. */
import { z } from 'zod';
import { withAdminServices } from '../../app/index.ts';
import { loadAdminConfig } from '../../config/index.ts';
import { reviewPrompt } from '../../pipeline/index.ts';
import { EXIT, UsageError } from '../errors.ts';

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
  const review = { decision: options.decision, reviewer: options.reviewer, ...(options.note ? { note: options.note } : {}) };
  const result = await withAdminServices(loadAdminConfig(), (services) => reviewPrompt(promptId, review, services));
  if (result.kind === 'not-pending') {
    process.stderr.write(
      `careprompt: prompt ${promptId} ${result.status ? `is ${result.status}, not pending_review` : 'does not exist'}\n`,
    );
    return EXIT.failure;
  }
  console.log(`${result.kind}  ${promptId}`);
  return EXIT.ok;
}
