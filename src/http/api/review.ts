/**
 * The review queue for clinicians: each held prompt's text beside the facts that triggered it; approve, edit then
 * approve (the edit kept with its diff and editor), or reject with a note, one or several at once. Decisions go
 * through the pipeline's reviewPrompt, as `careprompt outreach approve|reject` does.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { reviewPrompt } from '../../pipeline/index.ts';
import { listPrompts } from '../../store/index.ts';
import { REVIEWERS } from '../access.ts';
import { actorOf, principalOf } from '../auth.ts';
import { Problem } from '../problem.ts';
import type { HttpServices } from '../services.ts';
import { PromptId, PromptStatus, PromptSummary, promptSummary } from './schemas.ts';

export const HeldPrompt = PromptSummary.extend({
  text: z.string().nullable(),
  evidence: z
    .unknown()
    .describe('The trigger resource with its code and date, and the conditions, medications and procedures the template used'),
}).meta({ id: 'HeldPrompt' });

const Decision = z
  .object({
    promptId: PromptId,
    decision: z.enum(['approve', 'reject']),
    note: z.string().min(1).max(2000).optional(),
    text: z.string().min(1).max(10_000).optional().describe('approve only: the edited message, sent instead of the rendered one'),
  })
  .refine((d) => d.decision === 'approve' || d.note, { message: 'a rejection needs a note saying why', path: ['note'] })
  .refine((d) => d.decision === 'approve' || d.text === undefined, {
    message: 'only an approval can carry an edited text',
    path: ['text'],
  });

export const Outcome = z.object({
  promptId: PromptId,
  result: z.enum(['approved', 'rejected', 'not-pending']),
  status: PromptStatus.optional(),
});

/** The most held prompts one page lists. */
const QUEUE_LIMIT = 200;

export function reviewRoutes(services: HttpServices): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/review',
      {
        config: { roles: REVIEWERS },
        schema: {
          summary: 'Prompts held for review, oldest first',
          tags: ['review'],
          response: { 200: z.object({ prompts: z.array(HeldPrompt) }) },
        },
      },
      async () => {
        const held = await listPrompts(services.db, { status: 'pending_review', limit: QUEUE_LIMIT });
        return {
          prompts: held.reverse().map((prompt) => ({ ...promptSummary(prompt), text: prompt.renderedText, evidence: prompt.evidence })),
        };
      },
    );

    app.post(
      '/api/v1/review/decisions',
      {
        config: { roles: REVIEWERS },
        schema: {
          summary: 'Approve, edit then approve, or reject held prompts (several at once)',
          tags: ['review'],
          body: z.object({ decisions: z.array(Decision).min(1).max(100) }),
          response: { 200: z.object({ results: z.array(Outcome) }), 400: Problem },
        },
      },
      async (request) => {
        const reviewer = actorOf(principalOf(request));
        const results: Array<z.infer<typeof Outcome>> = [];
        // One at a time: each is its own transaction and queueing, so one that is no longer pending stops no other.
        for (const { promptId, decision, note, text } of request.body.decisions) {
          const review = { decision, reviewer, ...(note ? { note } : {}), ...(text ? { text } : {}) };
          const result = await reviewPrompt(promptId, review, services);
          results.push(
            result.kind === 'not-pending'
              ? { promptId, result: result.kind, ...(result.status ? { status: result.status } : {}) }
              : { promptId, result: result.kind },
          );
        }
        return { results };
      },
    );
  };
}
