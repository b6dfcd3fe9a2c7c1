/**
 * Quiet hours and frequency caps at decision time (pure): each prompt about to be queued is given its slot, now
 * or later (queued with a not-before time and sent then), or recorded as skipped when no slot comes before it
 * would expire. The patients' messages come from one query per batch (batch-facts.ts); a prompt planned here
 * counts against the next prompt of the same patient. Send time checks again, under a lock (send.ts): this plan
 * may be overtaken.
 */
import type { Campaign } from '../campaigns/index.ts';
import type { Config } from '../config/index.ts';
import { type PatientMessage, ranksAhead } from '../schedule/index.ts';
import type { NewPrompt } from './ports.ts';
import { sendWindowOf, slotObjection } from './slot-rules.ts';

/** Whether the campaign's prompts count against the frequency caps, and since when a patient's messages count. */
export function capsOf(campaign: Campaign, config: Pick<Readonly<Config>, 'schedule'>, decidedAt: Date): { sentSince: Date } | undefined {
  const { caps } = config.schedule;
  if (caps.length === 0 || campaign.exemptFromCaps) return undefined;
  return { sentSince: new Date(decidedAt.getTime() - Math.max(0, ...caps.map((cap) => cap.periodMs))) };
}

export function planSlots(
  campaign: Campaign,
  drafts: readonly NewPrompt[],
  decidedAt: Date,
  stored: ReadonlyMap<string, readonly PatientMessage[]>,
  config: Pick<Readonly<Config>, 'schedule' | 'defaultTimezone' | 'queue'>,
): NewPrompt[] {
  const { schedule, defaultTimezone, queue } = config;
  const messages = new Map<string, readonly PatientMessage[]>(stored);
  const window = sendWindowOf(campaign, schedule.window);
  const contender = (draft: NewPrompt) => ({ promptId: draft.idempotencyKey, priority: campaign.priority, queuedAt: decidedAt.getTime() });
  // In the order they rank, as the sender decides them: a prompt given a slot counts for those after it.
  const ranked = drafts.filter((draft) => draft.status === 'queued').sort((a, b) => (ranksAhead(contender(a), contender(b)) ? -1 : 1));
  const planned = new Map(ranked.map((draft) => [draft.idempotencyKey, plan(draft)]));
  return drafts.map((draft) => planned.get(draft.idempotencyKey) ?? draft);

  function plan(draft: NewPrompt): NewPrompt {
    const others = messages.get(draft.patientRef) ?? [];
    const { promptId, priority, queuedAt } = contender(draft);
    const facts = { window, timezone: draft.timezone ?? defaultTimezone, caps: schedule.caps, messages: others };
    const objection = slotObjection(
      facts,
      { promptId, priority, queuedAt, exempt: campaign.exemptFromCaps },
      decidedAt,
      queue.expireAfterMs,
    );
    if (objection?.kind === 'withdraw') {
      const { renderedText: _dropped, ...rest } = draft;
      return { ...rest, status: 'skipped', rule: objection.rule, reason: objection.reason };
    }
    const message: PatientMessage = {
      promptId,
      priority,
      queuedAt,
      state: 'waiting',
      ...(objection ? { at: objection.until.getTime() } : {}),
    };
    messages.set(draft.patientRef, [...others, message]);
    return objection ? { ...draft, rule: objection.rule, deferred: { until: objection.until, reason: objection.reason } } : draft;
  }
}
