import type { Db } from './client.ts';

/** Erases every row: for the demo and tests, which start from nothing. Never called by the engine itself. */
export async function eraseAllData(db: Db): Promise<void> {
  await db.$executeRawUnsafe(
    'TRUNCATE candidates, prompts, poll_runs, campaign_versions, campaigns, audit_events, patient_opt_outs, results_preferences, sessions, users, api_tokens, value_set_expansions',
  );
}
