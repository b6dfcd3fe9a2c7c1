/**
 * Quiet hours and frequency caps at decision time: each prompt about to be queued is given its slot, now or
 * later (queued with a not-before time and sent then), or recorded as skipped when no slot comes before it would
 * expire. The patients' messages come from one query per batch; a prompt planned here counts against the next
 * prompt of the same patient. Send time checks again, under a lock (send.ts): this plan may be overtaken.
 */
import type { Campaign } from '../campaigns/index.ts';
import type { PatientMessage } from '../schedule/index.ts';
import type { Context } from './context.ts';
import type { NewPrompt } from './ports.ts';
import { sendWindowOf, slotObjection } from './slot-rules.ts';

export async function planSlots(campaign: Campaign, drafts: readonly NewPrompt[], decidedAt: Date, ctx: Context): Promise<NewPrompt[]> {
  const { schedule, defaultTimezone, queue } = ctx.config;
  const queued = drafts.filter((draft) => draft.status === 'queued');
  if (queued.length === 0) return [...drafts];
  const capped = schedule.caps.length > 0 && !campaign.exemptFromCaps;
  const sentSince = new Date(decidedAt.getTime() - Math.max(0, ...schedule.caps.map((cap) => cap.periodMs)));
  const stored = capped ? await ctx.store.findPatientMessages([...new Set(queued.map((draft) => draft.patientRef))], sentSince) : new Map();
  const messages = new Map<string, PatientMessage[]>(stored);
  const window = sendWindowOf(campaign, schedule.window);
  return drafts.map((draft): NewPrompt => {
    if (draft.status !== 'queued') return draft;
    const others = messages.get(draft.patientRef) ?? [];
    const contender = { promptId: draft.idempotencyKey, priority: campaign.priority, queuedAt: decidedAt.getTime() };
    const facts = { window, timezone: draft.timezone ?? defaultTimezone, caps: schedule.caps, messages: others };
    const objection = slotObjection(facts, { ...contender, exempt: campaign.exemptFromCaps }, decidedAt, queue.expireAfterMs);
    if (objection?.kind === 'withdraw') {
      const { renderedText: _dropped, ...rest } = draft;
      return { ...rest, status: 'skipped', rule: objection.rule, reason: objection.reason };
    }
    const planned: PatientMessage = { ...contender, state: 'waiting', ...(objection ? { at: objection.until.getTime() } : {}) };
    messages.set(draft.patientRef, [...others, planned]);
    return objection ? { ...draft, rule: objection.rule, deferred: { until: objection.until, reason: objection.reason } } : draft;
  });
}
