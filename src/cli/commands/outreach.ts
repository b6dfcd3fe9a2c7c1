/** `careprompt outreach list`: what was sent (or withheld) and why. */
import { loadAdminConfig } from '../../config/index.ts';
import { createDb, listPrompts, type Prompt, type PromptStatus } from '../../store/index.ts';
import { formatTable, printJson } from '../output.ts';

export interface OutreachListOptions {
  campaignId?: string;
  patientRef?: string;
  status?: PromptStatus;
  limit: number;
  json: boolean;
}

export async function listOutreach(options: OutreachListOptions): Promise<number> {
  const db = createDb(loadAdminConfig().databaseUrl);
  try {
    const prompts = await listPrompts(db, options);
    const now = new Date();
    // Queued, but held back by quiet hours or a frequency cap until its not-before time.
    const deferredUntil = (prompt: Prompt) =>
      prompt.status === 'queued' && prompt.notBefore && prompt.notBefore > now ? prompt.notBefore : undefined;
    const utc = (at: Date) => `${at.toISOString().slice(0, 19)}Z`;
    if (options.json) {
      printJson(prompts);
      return 0;
    }
    console.log(
      formatTable(
        ['ID', 'CREATED', 'CAMPAIGN', 'PATIENT', 'TRIGGER', 'STATUS', 'REASON / COMMUNICATION', 'ATTEMPTS'],
        prompts.map((prompt) => {
          const until = deferredUntil(prompt);
          return [
            // The full id: `outreach approve|reject|retry` take it, copied from here.
            prompt.id,
            // To the second, in UTC: milliseconds only widen the table.
            utc(prompt.createdAt),
            prompt.campaignId,
            prompt.patientRef,
            prompt.triggerRefs.join(','),
            until ? 'deferred' : prompt.status,
            prompt.reason ?? (prompt.externalId ? `Communication/${prompt.externalId}` : until ? `not before ${utc(until)}` : undefined),
            prompt.attempts,
          ];
        }),
      ),
    );
    return 0;
  } finally {
    await db.$disconnect();
  }
}
