/** `careprompt outreach list`: what was sent (or withheld) and why. */
import { loadAdminConfig } from '../../config/index.ts';
import { createDb, listPrompts, type PromptStatus } from '../../store/index.ts';
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
    if (options.json) {
      printJson(prompts);
      return 0;
    }
    console.log(
      formatTable(
        ['ID', 'CREATED', 'CAMPAIGN', 'PATIENT', 'TRIGGER', 'STATUS', 'REASON / COMMUNICATION', 'ATTEMPTS'],
        prompts.map((prompt) => [
          // The full id: `outreach approve|reject|retry` take it, copied from here.
          prompt.id,
          // To the second, in UTC: milliseconds only widen the table.
          `${prompt.createdAt.toISOString().slice(0, 19)}Z`,
          prompt.campaignId,
          prompt.patientRef,
          prompt.triggerRefs.join(','),
          prompt.status,
          prompt.reason ?? (prompt.externalId ? `Communication/${prompt.externalId}` : undefined),
          prompt.attempts,
        ]),
      ),
    );
    return 0;
  } finally {
    await db.$disconnect();
  }
}
