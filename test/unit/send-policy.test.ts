import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../src/campaigns/index.ts';
import { type ClaimedPrompt, decideSend, SEND_RULES, type SendDecision, type SendRule } from '../../src/pipeline/index.ts';
import {
  ALWAYS_OPEN,
  type FrequencyCap,
  type PatientMessage,
  parseFrequencyCaps,
  parseSendWindow,
  type SendWindow,
} from '../../src/schedule/index.ts';

const HOUR = 3_600_000;
// Monday 10:00 in New York (UTC-5).
const NOW = new Date('2026-03-02T15:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * HOUR);
const DAYTIME = parseSendWindow('09:00-20:00') as SendWindow;
const CAPS = parseFrequencyCaps('1/P1D,3/P7D') as FrequencyCap[];

interface Change {
  active?: boolean;
  review?: 'none' | 'required';
  reviewedBy?: string;
  queuedAt?: Date;
  notBefore?: Date;
  sendWindow?: string;
  exemptFromCaps?: boolean;
  priority?: number;
  timezone?: string;
  /** The patient's other messages. */
  messages?: PatientMessage[];
  now?: Date;
}

function input(change: Change) {
  const campaign = {
    active: change.active ?? true,
    review: change.review ?? 'none',
    exemptFromCaps: change.exemptFromCaps ?? false,
    ...(change.sendWindow ? { sendWindow: change.sendWindow } : {}),
  } as Campaign;
  const prompt = {
    id: 'prompt-1',
    idempotencyKey: 'key-1',
    reviewedBy: change.reviewedBy ?? null,
    queuedAtMs: (change.queuedAt ?? hoursAgo(1)).getTime(),
    notBefore: change.notBefore ?? null,
    priority: change.priority ?? 0,
    timezone: change.timezone ?? null,
    campaign,
  } as ClaimedPrompt;
  const window = change.sendWindow ? (parseSendWindow(change.sendWindow) as SendWindow) : DAYTIME;
  return {
    prompt,
    now: change.now ?? NOW,
    expireAfterMs: 48 * HOUR,
    slots: { window, timezone: change.timezone ?? 'America/New_York', caps: CAPS, messages: change.messages ?? [] },
  };
}

const sent = (hours: number, promptId = 'other'): PatientMessage => ({
  promptId,
  state: 'sent',
  at: hoursAgo(hours).getTime(),
  priority: 0,
  queuedAt: hoursAgo(hours + 1).getTime(),
});
const waiting = (priority: number, queuedHoursAgo: number): PatientMessage => ({
  promptId: `waiting-${priority}`,
  state: 'waiting',
  priority,
  queuedAt: hoursAgo(queuedHoursAgo).getTime(),
});
const at = (iso: string) => new Date(iso);

const expired: SendDecision = { kind: 'withdraw', reason: 'expired: not delivered within 48 hours' };
const deactivated: SendDecision = { kind: 'withdraw', reason: 'campaign deactivated before delivery' };

describe('the send-time policy', () => {
  it.each<[string, Change, SendDecision]>([
    ['sends a fresh prompt of an active campaign', {}, { kind: 'send' }],
    ['withdraws when the campaign was deactivated', { active: false }, deactivated],
    ['holds for review when the campaign now requires it', { review: 'required' }, { kind: 'hold' }],
    ['sends a reviewed prompt of a campaign that requires review', { review: 'required', reviewedBy: 'dr-lee' }, { kind: 'send' }],
    ['withdraws a prompt queued longer ago than the expiry', { queuedAt: hoursAgo(49) }, expired],
    ['sends a prompt queued just within the expiry', { queuedAt: hoursAgo(48) }, { kind: 'send' }],
    ['counts the expiry from the not-before time when deferred', { queuedAt: hoursAgo(60), notBefore: hoursAgo(10) }, { kind: 'send' }],
    ['withdraws a deferred prompt that then waited past the expiry', { queuedAt: hoursAgo(80), notBefore: hoursAgo(49) }, expired],
    [
      'counts from the approval a prompt deferred before it was held and approved',
      { queuedAt: hoursAgo(1), notBefore: hoursAgo(72) },
      { kind: 'send' },
    ],
    ['prefers withdrawing over holding (deactivated and now requiring review)', { active: false, review: 'required' }, deactivated],
    ['holds before it expires a prompt that needs review', { review: 'required', queuedAt: hoursAgo(49) }, { kind: 'hold' }],
    [
      'defers a prompt outside the window to its opening in the patient’s time (Berlin: 16:00, window 08:00-12:00)',
      { timezone: 'Europe/Berlin', sendWindow: '08:00-12:00' },
      {
        kind: 'defer',
        until: at('2026-03-03T07:00:00.000Z'),
        reason: 'window: outside 08:00-12:00 in Europe/Berlin; not before 2026-03-03T07:00:00.000Z',
      },
    ],
    [
      'reads the window of the campaign, not the default',
      { sendWindow: '22:00-06:00' },
      {
        kind: 'defer',
        until: at('2026-03-03T03:00:00.000Z'),
        reason: 'window: outside 22:00-06:00 in America/New_York; not before 2026-03-03T03:00:00.000Z',
      },
    ],
    ['sends inside a window crossing midnight', { sendWindow: '22:00-06:00', now: at('2026-03-03T09:00:00.000Z') }, { kind: 'send' }],
    ['sends when the patient had a message more than a day ago', { messages: [sent(25)] }, { kind: 'send' }],
    [
      'defers to when the day’s message leaves the day',
      { messages: [sent(0.5)] },
      { kind: 'defer', until: at('2026-03-03T14:30:00.000Z'), reason: 'cap: 1/P1D reached; not before 2026-03-03T14:30:00.000Z' },
    ],
    [
      'defers past quiet hours a slot that frees up at night',
      { messages: [sent(12)] },
      { kind: 'defer', until: at('2026-03-03T14:00:00.000Z'), reason: 'cap: 1/P1D reached; not before 2026-03-03T14:00:00.000Z' },
    ],
    [
      'defers to when the oldest of the week’s three leaves the week',
      { messages: [sent(6 * 24), sent(4 * 24, 'b'), sent(2 * 24, 'c')] },
      { kind: 'defer', until: at('2026-03-03T15:00:00.000Z'), reason: 'cap: 3/P7D reached; not before 2026-03-03T15:00:00.000Z' },
    ],
    [
      'withdraws a capped prompt whose slot comes after it expires',
      { queuedAt: hoursAgo(40), messages: [sent(6 * 24 - 30), sent(4 * 24, 'b'), sent(2 * 24, 'c')] },
      {
        kind: 'withdraw',
        reason: "capped: 3/P7D reached; the next slot, 2026-03-04T21:00:00.000Z, is past the prompt's expiry",
      },
    ],
    [
      'gives the slot to a waiting prompt of higher priority',
      { messages: [waiting(5, 0)] },
      { kind: 'defer', until: at('2026-03-03T15:00:00.000Z'), reason: 'cap: 1/P1D reached; not before 2026-03-03T15:00:00.000Z' },
    ],
    ['takes the slot before a waiting prompt of lower priority', { messages: [waiting(-1, 5)] }, { kind: 'send' }],
    [
      'takes the slot before a younger waiting prompt of the same priority',
      { queuedAt: hoursAgo(3), messages: [waiting(0, 2)] },
      { kind: 'send' },
    ],
    [
      'counts a message on its way (reserved by another sender)',
      { messages: [{ promptId: 'x', state: 'reserved', at: NOW.getTime(), priority: 0, queuedAt: hoursAgo(2).getTime() }] },
      { kind: 'defer', until: at('2026-03-03T15:00:00.000Z'), reason: 'cap: 1/P1D reached; not before 2026-03-03T15:00:00.000Z' },
    ],
    ['does not count its own earlier reservation', { messages: [{ ...sent(0, 'key-1'), state: 'reserved' }] }, { kind: 'send' }],
    [
      'sends a prompt of a campaign exempt from the caps',
      { exemptFromCaps: true, review: 'required', reviewedBy: 'dr-lee', messages: [sent(2)] },
      { kind: 'send' },
    ],
    [
      'still keeps an exempt campaign’s prompt to the window',
      { exemptFromCaps: true, review: 'required', reviewedBy: 'dr-lee', now: at('2026-03-03T03:00:00.000Z') },
      {
        kind: 'defer',
        until: at('2026-03-03T14:00:00.000Z'),
        reason: 'window: outside 09:00-20:00 in America/New_York; not before 2026-03-03T14:00:00.000Z',
      },
    ],
  ])('%s', (_, change, decision) => {
    expect(decideSend(input(change))).toEqual(decision);
  });

  it('takes the first objection of the rules, in their order', () => {
    const until = new Date(NOW.getTime() + HOUR);
    const quiet: SendRule = () => ({ kind: 'defer', until, reason: 'quiet hours' });
    const base = input({});
    expect(decideSend({ ...base, slots: { ...base.slots, window: ALWAYS_OPEN } }, [...SEND_RULES, quiet])).toEqual({
      kind: 'defer',
      until,
      reason: 'quiet hours',
    });
    expect(decideSend(input({ active: false }), [...SEND_RULES, quiet])).toEqual(deactivated);
  });
});
