/**
 * Quiet hours and frequency caps as decisions (pure), the same at decision time (evaluate) and at send time
 * (policy): send now, defer until a time, or withdraw a prompt whose next slot comes after it would expire.
 */
import type { Campaign } from '../campaigns/index.ts';
import {
  type Contender,
  type FrequencyCap,
  isInsideWindow,
  keepsCaps,
  nextSlot,
  nextWindowOpening,
  occupiedSlots,
  type PatientMessage,
  parseSendWindow,
  type SendWindow,
} from '../schedule/index.ts';

/** What the window and cap rules know of a prompt's patient. */
export interface SlotFacts {
  /** The campaign's sendWindow, else SEND_WINDOW. */
  window: SendWindow;
  /** The patient's, else DEFAULT_TIMEZONE. */
  timezone: string;
  caps: readonly FrequencyCap[];
  /** The patient's other messages: sent, on their way, or waiting (one query per batch). */
  messages: readonly PatientMessage[];
}

/** `rule`, as audits name it: `window` (quiet hours) or `cap` (a frequency cap). */
export type SlotObjection =
  | { kind: 'defer'; rule: 'window' | 'cap'; until: Date; reason: string }
  | { kind: 'withdraw'; rule: 'window' | 'cap'; reason: string };

/** The campaign's send window, SEND_WINDOW (`fallback`) when it names none. */
export function sendWindowOf(campaign: Pick<Campaign, 'sendWindow'>, fallback: SendWindow): SendWindow {
  const parsed = campaign.sendWindow === undefined ? fallback : parseSendWindow(campaign.sendWindow);
  // The schema refused a bad window when the campaign was applied; a stored one that no longer parses keeps the default.
  return 'problem' in parsed ? fallback : parsed;
}

/** Outside the send window in the patient's time: deferred to its next opening. */
export function windowObjection(facts: Pick<SlotFacts, 'window' | 'timezone'>, now: Date): SlotObjection | undefined {
  if (isInsideWindow(facts.window, facts.timezone, now.getTime())) return undefined;
  const until = new Date(nextWindowOpening(facts.window, facts.timezone, now.getTime()));
  return {
    kind: 'defer',
    rule: 'window',
    until,
    reason: `window: outside ${facts.window.text} in ${facts.timezone}; not before ${until.toISOString()}`,
  };
}

/**
 * The next slot that keeps the window and every cap: deferred to it, or withdrawn when it comes after the prompt
 * would expire, counted from when the window first let it go (`queuedAt`, or the opening after it). The reason
 * names the rule that holds it back: the cap when the slot is later than the window's next opening.
 */
export function slotObjection(
  facts: SlotFacts,
  prompt: Contender & { exempt: boolean },
  now: Date,
  expireAfterMs: number,
): SlotObjection | undefined {
  const { window, timezone } = facts;
  const caps = prompt.exempt ? [] : facts.caps;
  const occupied = caps.length > 0 ? occupiedSlots(facts.messages, prompt, now.getTime()) : [];
  const opening = nextWindowOpening(window, timezone, now.getTime());
  if (opening === now.getTime() && keepsCaps(opening, caps, occupied)) return undefined;
  const slot = nextSlot({ now: now.getTime(), window, timezone, caps, occupied });
  const until = new Date(slot).toISOString();
  const full = slot > opening ? caps.find((cap) => !keepsCaps(opening, [cap], occupied)) : undefined;
  if (slot > nextWindowOpening(window, timezone, prompt.queuedAt) + expireAfterMs) {
    return {
      kind: 'withdraw',
      rule: full ? 'cap' : 'window',
      reason: `${full ? `capped: ${full.text} reached` : `expired: ${window.text} opens too late`}; the next slot, ${until}, is past the prompt's expiry`,
    };
  }
  if (full) return { kind: 'defer', rule: 'cap', until: new Date(slot), reason: `cap: ${full.text} reached; not before ${until}` };
  return {
    kind: 'defer',
    rule: 'window',
    until: new Date(slot),
    reason: `window: outside ${window.text} in ${timezone}; not before ${until}`,
  };
}
