/** Deferred prompts come back on their own at their time; the sweep is the safety net if such a job is lost. */
import type { Enqueue } from './ports.ts';
import { sendJobsFor } from './work.ts';

/** How much later than its not-before time a deferred prompt is queued again (clocks of hosts differ a little). */
export const DEFER_MARGIN_MS = 1000;

/** Prompt ids by the instant (epoch ms) they may be sent from. */
export class Deferrals {
  readonly #byTime = new Map<number, string[]>();

  add(promptId: string, until: Date): void {
    const time = until.getTime();
    this.#byTime.set(time, [...(this.#byTime.get(time) ?? []), promptId]);
  }

  /** A delayed send job per time, a little late rather than early. */
  async enqueue(enqueue: Enqueue, now: Date): Promise<void> {
    for (const [until, promptIds] of this.#byTime) {
      const delayMs = Math.max(0, until - now.getTime()) + DEFER_MARGIN_MS;
      for (const job of sendJobsFor(promptIds)) await enqueue.deferredSend(job, new Date(until), delayMs);
    }
  }
}
