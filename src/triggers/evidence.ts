/** What a clinician sees as "why" a prompt was made: the triggering facts, not the whole record. */
import { referenceOf } from '../fhir/references.ts';
import { clinicalDateOf, codingsOf, statusOf, type TriggerResource, triggerTypeOf } from './registry.ts';

/**
 * The prompt row's `evidence`: nulls rather than absent fields, so every row has the same shape. A type alias,
 * not an interface, so it fits the JSON column's type.
 */
export type Evidence = {
  trigger: {
    reference: string;
    status: string | null;
    date: string | null;
    lastUpdated: string | null;
    codings: Array<{ system: string | null; code: string | null; display: string | null }>;
  };
  decidedAt: string;
};

export function evidenceOf(trigger: TriggerResource, decidedAt: Date): Evidence {
  return {
    trigger: {
      reference: referenceOf(trigger),
      status: statusOf(trigger) ?? null,
      date: clinicalDateOf(trigger) ?? null,
      lastUpdated: trigger.meta?.lastUpdated ?? null,
      codings: codingsOf(trigger).map(({ system, code, display }) => ({
        system: system ?? null,
        code: code ?? null,
        display: display ?? null,
      })),
    },
    decidedAt: decidedAt.toISOString(),
  };
}

/** The Condition the prompt is about: the trigger itself, or the first Condition it gives as its reason. */
export function reasonOf(trigger: TriggerResource): string | undefined {
  return triggerTypeOf(trigger).reasonOf(trigger);
}
