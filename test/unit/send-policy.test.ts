import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../src/campaigns/index.ts';
import { type ClaimedPrompt, decideSend, SEND_RULES, type SendDecision, type SendRule } from '../../src/pipeline/index.ts';

const HOUR = 3_600_000;
const NOW = new Date('2026-03-02T15:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * HOUR);

function prompt(change: { active?: boolean; review?: 'none' | 'required'; reviewedBy?: string; queuedAt?: Date; notBefore?: Date }) {
  const campaign = { active: change.active ?? true, review: change.review ?? 'none' } as Campaign;
  return {
    reviewedBy: change.reviewedBy ?? null,
    queuedAtMs: (change.queuedAt ?? hoursAgo(1)).getTime(),
    notBefore: change.notBefore ?? null,
    campaign,
  } as ClaimedPrompt;
}

const expired: SendDecision = { kind: 'withdraw', reason: 'expired: not delivered within 48 hours' };
const deactivated: SendDecision = { kind: 'withdraw', reason: 'campaign deactivated before delivery' };

describe('the send-time policy', () => {
  it.each<[string, Parameters<typeof prompt>[0], SendDecision]>([
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
  ])('%s', (_, change, decision) => {
    expect(decideSend({ prompt: prompt(change), now: NOW, expireAfterMs: 48 * HOUR })).toEqual(decision);
  });

  it('takes the first objection of the rules, in their order', () => {
    const until = new Date(NOW.getTime() + HOUR);
    const quiet: SendRule = () => ({ kind: 'defer', until, reason: 'quiet hours' });
    const input = { prompt: prompt({}), now: NOW, expireAfterMs: 48 * HOUR };
    expect(decideSend(input, [...SEND_RULES, quiet])).toEqual({ kind: 'defer', until, reason: 'quiet hours' });
    expect(decideSend({ ...input, prompt: prompt({ active: false }) }, [...SEND_RULES, quiet])).toEqual(deactivated);
  });
});
