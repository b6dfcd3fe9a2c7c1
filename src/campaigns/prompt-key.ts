/**
 * The idempotency key of a prompt (pure): the same campaign, patient, trigger and period always give the
 * same key, so the outbox row and the Communication identifier exist at most once whatever is retried.
 */
import { createHash } from 'node:crypto';
import { parseDurationMs } from '../time/index.ts';
import type { Campaign } from './schema.ts';

export function promptKey(campaign: Campaign, patientRef: string, triggerRef: string, now: Date): string {
  const scope = campaign.repeat === 'once' ? triggerRef : `period:${periodIndex(campaign.repeat, now)}`;
  return createHash('sha256').update(['v1', campaign.id, patientRef, scope].join('\n')).digest('hex').slice(0, 40);
}

/** Which fixed period (counted from the Unix epoch) `now` falls in. */
export function periodIndex(repeat: string, now: Date): number {
  const periodMs = parseDurationMs(repeat);
  if (!periodMs) throw new Error(`repeat "${repeat}" is not a duration`);
  return Math.floor(now.getTime() / periodMs);
}

/** For periodic campaigns: the earliest creation time of an earlier prompt that still blocks a new one. */
export function repeatBlockedSince(campaign: Campaign, now: Date): Date | undefined {
  if (campaign.repeat === 'once') return undefined;
  return new Date(now.getTime() - (parseDurationMs(campaign.repeat) ?? 0));
}
