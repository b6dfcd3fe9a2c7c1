/** A process's metrics: what its parts report, and at each scrape the outbox, the evaluations and the queues. */
import { createMetrics, type Metrics } from '../metrics/index.ts';
import { type Db, decisionTallies, promptTallies } from '../store/index.ts';

export function buildMetrics(db: Db, queueDepths: () => Promise<Array<{ queue: string; state: string; count: number }>>): Metrics {
  return createMetrics(async () => {
    const [prompts, decisions, queues] = await Promise.all([promptTallies(db), decisionTallies(db), queueDepths()]);
    return { prompts, decisions, queues };
  });
}
