/**
 * A prompt the send-time policy defers is worded again for the time it will arrive, as one deferred at evaluation
 * is (decide-batch's readAt): "yesterday" must not reach the patient two days late. Only its words change, not
 * what was decided. A prompt a clinician reviewed keeps the words approved, and one whose template no longer
 * renders in its language keeps its own.
 */
import { contextReadsOf } from '../campaigns/index.ts';
import type { Expansions } from '../criteria/index.ts';
import { loadPatientContexts, patientIdOf } from '../fhir/index.ts';
import type { TriggerResource } from '../triggers/index.ts';
import type { Context } from './context.ts';
import { wordingAt } from './draft-prompt.ts';
import type { ClaimedPrompt } from './ports.ts';

export interface SendTimeDeferral {
  prompt: ClaimedPrompt;
  until: Date;
}

/**
 * The new words of each deferred prompt that has them, by prompt id. The patients' records are loaded once for
 * the lot, with every type the templates may read (the send-time check loads only what the criteria read).
 */
export async function wordingsFor(
  deferrals: readonly SendTimeDeferral[],
  { triggers, expansions }: { triggers: ReadonlyMap<string, TriggerResource>; expansions: Expansions },
  ctx: Pick<Context, 'gateway' | 'logger' | 'config' | 'templates'>,
): Promise<Map<string, string>> {
  const unreviewed = deferrals.filter(({ prompt }) => prompt.reviewedBy === null);
  const texts = new Map<string, string>();
  if (unreviewed.length === 0) return texts;
  const patientOf = (prompt: ClaimedPrompt) => patientIdOf({ subject: { reference: prompt.patientRef } });
  const patientIds = [...new Set(unreviewed.flatMap(({ prompt }) => patientOf(prompt) ?? []))];
  const reads = contextReadsOf(
    unreviewed.map(({ prompt }) => prompt.campaign),
    expansions,
  );
  const contexts = await loadPatientContexts(ctx.gateway, patientIds, { logger: ctx.logger, ...reads });
  for (const { prompt, until } of unreviewed) {
    const context = contexts.get(patientOf(prompt) ?? '');
    const trigger = triggers.get(prompt.triggerRefs[0] ?? '');
    if (!context || !trigger) continue;
    const worded = wordingAt(prompt.campaign, context, trigger, until, ctx);
    if (worded && worded.language === prompt.language && worded.text !== prompt.renderedText) texts.set(prompt.id, worded.text);
  }
  return texts;
}
