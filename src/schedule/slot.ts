/**
 * The next slot for a message to a patient (pure): the first instant, from now on, that is inside the send window
 * and where adding the message keeps every frequency cap, given the patient's other messages (`occupied`: sent,
 * on their way, or planned ahead of this one, some perhaps later than now).
 *
 * A cap "n per P" holds when no interval [s, s + P) contains more than n messages. A message at T can break only
 * the intervals that contain T; the fullest of those starts at T or at another message in (T - P, T]. A slot
 * frees up when a message leaves every such interval, at its time + P: so the candidates are now and each
 * message's time + P, each moved on to the window's next opening.
 */
import type { FrequencyCap } from './frequency-cap.ts';
import { nextWindowOpening, type SendWindow } from './send-window.ts';

export interface SlotQuestion {
  now: number;
  window: SendWindow;
  timezone: string;
  caps: readonly FrequencyCap[];
  /** The patient's other messages that count, epoch ms. */
  occupied: readonly number[];
}

export function nextSlot(question: SlotQuestion): number {
  const { now, window, timezone, caps, occupied } = question;
  const candidates = [now, ...occupied.flatMap((at) => caps.map((cap) => at + cap.periodMs))]
    .filter((at) => at >= now)
    .sort((a, b) => a - b);
  let slot = now;
  for (const candidate of candidates) {
    slot = nextWindowOpening(window, timezone, candidate);
    if (keepsCaps(slot, caps, occupied)) return slot;
  }
  // Unreachable: past the last message's time plus the longest period no interval holds another.
  return slot;
}

/** Whether a message at `at` keeps every cap, given the others. */
export function keepsCaps(at: number, caps: readonly FrequencyCap[], occupied: readonly number[]): boolean {
  return caps.every((cap) => {
    const starts = [at, ...occupied.filter((other) => other > at - cap.periodMs && other <= at)];
    return starts.every((start) => occupied.filter((other) => other >= start && other < start + cap.periodMs).length < cap.limit);
  });
}
