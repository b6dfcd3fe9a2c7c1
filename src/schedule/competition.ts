/**
 * Which of a patient's other messages take a slot before this one (pure). Sent and reserved (on their way)
 * messages always count, at their time. A message still waiting counts when it ranks ahead of this one, at the
 * time it is planned for (now, or its later not-before time): the higher `priority` first, then the older.
 */

export interface PatientMessage {
  /** The prompt's idempotency key: known at decision time, before the row has an id, so ties rank alike then and at send. */
  promptId: string;
  /** sent: delivered at `at`; reserved: a sender took its slot at `at`; waiting: queued, not before `at` (if given). */
  state: 'sent' | 'reserved' | 'waiting';
  at?: number;
  priority: number;
  /** When it was queued (epoch ms): the older of two equal priorities goes first. */
  queuedAt: number;
}

export interface Contender {
  promptId: string;
  priority: number;
  queuedAt: number;
}

/** Whether `a` takes a slot before `b`. */
export function ranksAhead(a: Contender, b: Contender): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.queuedAt !== b.queuedAt) return a.queuedAt < b.queuedAt;
  return a.promptId < b.promptId;
}

/** The instants (epoch ms) the patient's other messages occupy, as far as `prompt` is concerned. */
export function occupiedSlots(messages: readonly PatientMessage[], prompt: Contender, now: number): number[] {
  return messages.flatMap((message) => {
    if (message.promptId === prompt.promptId) return [];
    if (message.state !== 'waiting') return [message.at ?? now];
    return ranksAhead(message, prompt) ? [Math.max(message.at ?? now, now)] : [];
  });
}
