/**
 * The record as a dry run sees it: the store's rows, read only, plus the prompts this run would have written. A
 * later batch of the run then finds an earlier batch's keys taken and counts its planned messages against the
 * caps, as the engine's later batches find the rows.
 */
import type { PatientMessage } from '../schedule/index.ts';
import type { DecisionReads } from './batch-facts.ts';
import type { NewPrompt } from './ports.ts';

export interface Overlay {
  reads: DecisionReads;
  /** A prompt the run would have written. */
  add(prompt: NewPrompt): void;
}

export function overlayOf(store: DecisionReads): Overlay {
  const written = new Set<string>();
  const planned = new Map<string, PatientMessage[]>();
  return {
    add(prompt) {
      written.add(prompt.idempotencyKey);
      // What findPatientMessages reads back of a queued row with its text.
      if (prompt.status !== 'queued' || prompt.renderedText === undefined) return;
      const message: PatientMessage = {
        promptId: prompt.idempotencyKey,
        state: 'waiting',
        priority: prompt.priority ?? 0,
        queuedAt: prompt.decidedAt.getTime(),
        ...(prompt.deferred ? { at: prompt.deferred.until.getTime() } : {}),
      };
      planned.set(prompt.patientRef, [...(planned.get(prompt.patientRef) ?? []), message]);
    },
    reads: {
      findRecentlyPrompted: (campaignId, patientRefs, since) => store.findRecentlyPrompted(campaignId, patientRefs, since),
      findOptOuts: (patientRefs) => store.findOptOuts(patientRefs),
      findResultsPreferences: (patientRefs) => store.findResultsPreferences(patientRefs),
      async findPromptsByKeys(keys) {
        const rows = await store.findPromptsByKeys(keys);
        const stored = new Set(rows.map((row) => row.idempotencyKey));
        const ours = keys.filter((key) => written.has(key) && !stored.has(key));
        return [...rows, ...ours.map((key) => ({ id: key, idempotencyKey: key, status: 'queued' as const, rule: null }))];
      },
      async findPatientMessages(patientRefs, sentSince) {
        const messages = new Map(await store.findPatientMessages(patientRefs, sentSince));
        for (const ref of patientRefs) {
          const ours = planned.get(ref);
          if (ours) messages.set(ref, [...(messages.get(ref) ?? []), ...ours]);
        }
        return messages;
      },
    },
  };
}
