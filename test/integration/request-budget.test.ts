import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisRequestBudget } from '../../src/fhir/index.ts';
import { budgetKeyOf } from '../../src/fhir/request-budget.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, patientWithFreshStitches } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('the request budget shared through Redis', () => {
  const connections: Redis[] = [];
  const servers: string[] = [];
  afterEach(async () => {
    const opened = connections.splice(0);
    const keys = servers.splice(0).map(budgetKeyOf);
    try {
      if (keys.length > 0) await opened[0]?.del(...keys);
    } finally {
      await Promise.all(opened.map((connection) => connection.quit()));
    }
  });

  /** A FHIR base URL no other test uses, so each test has a budget of its own. */
  function freshServer(): string {
    const baseUrl = `https://ehr-${randomUUID()}.example/fhir`;
    servers.push(baseUrl);
    return baseUrl;
  }

  /**
   * A budget client on a connection of its own, as in a separate process; its waits are recorded, not slept,
   * then `afterWait` runs (what happens meanwhile).
   */
  function client(baseUrl: string, maxPerSecond: number, now?: () => number, afterWait?: (ms: number) => Promise<void>) {
    const redis = new Redis(REDIS_URL);
    connections.push(redis);
    const waits: number[] = [];
    const budget = createRedisRequestBudget({
      redis,
      baseUrl,
      maxPerSecond,
      ...(now ? { now } : {}),
      sleep: async (ms) => {
        waits.push(ms);
        await afterWait?.(ms);
      },
    });
    return { budget, waits };
  }

  it('gives each request the next slot 1/R s after the last, and starts afresh once the schedule has passed', async () => {
    let clock = Date.parse('2025-03-01T12:00:00Z');
    const { budget, waits } = client(freshServer(), 4, () => clock);

    for (let i = 0; i < 4; i++) await budget.take();
    clock += 2_000;
    await budget.take();

    // The first request of an idle budget goes at once (no wait recorded).
    expect(waits).toEqual([250, 500, 750]);
  });

  it('reserves again each time it wakes after its slot has passed, and goes only in a slot it is on time for', async () => {
    let clock = Date.parse('2025-03-01T12:00:00Z');
    const baseUrl = freshServer();
    const punctual = client(baseUrl, 10, () => clock);
    // A starved process: it wakes a second after its slot six times running (while a punctual one takes 20 more
    // slots), then on time.
    let lateWakeUps = 6;
    const { budget: starved, waits } = client(
      baseUrl,
      10,
      () => clock,
      async (ms) => {
        clock += ms;
        if (lateWakeUps === 0) return;
        lateWakeUps -= 1;
        clock += 1_000;
        for (let i = 0; i < 20; i++) await punctual.budget.take();
      },
    );

    await starved.take();
    await starved.take();

    // The first took an idle budget's slot at once; the second reserved seven times and went in the last slot.
    expect(waits).toHaveLength(7);
    expect(waits[0]).toBe(100);
    // Each time it overslept, the punctual client took the next 20 slots (2 s) from then, ahead of it.
    expect(waits.slice(1)).toEqual([2_000, 2_000, 2_000, 2_000, 2_000, 2_000]);
    // It went at the start of the slot it reserved last, right after the last slot the punctual client holds.
    expect(clock).toBe(Date.parse('2025-03-01T12:00:00Z') + 100 + 6 * (1_000 + 2_000));
  });

  it('keeps every one-second window within R across clients taking at once, as separate processes would', async () => {
    const R = 10;
    const start = Date.parse('2025-03-01T12:00:00Z');
    const baseUrl = freshServer();
    const clients = Array.from({ length: 4 }, () => client(baseUrl, R, () => start));

    await Promise.all(clients.map(({ budget }) => Promise.all(Array.from({ length: 15 }, () => budget.take()))));

    // Each request goes at the start of its slot: now + its wait (0 for one not made to wait).
    const slots = clients.flatMap(({ waits }) => [...waits, ...Array<number>(15 - waits.length).fill(0)]).sort((a, b) => a - b);
    expect(slots).toHaveLength(60);
    for (let i = 1; i < slots.length; i++) expect((slots[i] ?? 0) - (slots[i - 1] ?? 0)).toBe(100);
    const perWindow = new Map<number, number>();
    for (const slot of slots) perWindow.set(Math.floor(slot / 1000), (perWindow.get(Math.floor(slot / 1000)) ?? 0) + 1);
    expect([...perWindow.values()]).toEqual([10, 10, 10, 10, 10, 10]);
  });

  it("on Redis's own clock, R requests from two clients cannot all go within less than (R-1)/R s", async () => {
    const R = 20;
    const baseUrl = freshServer();
    const [a, b] = [0, 1].map(() => {
      const redis = new Redis(REDIS_URL);
      connections.push(redis);
      return createRedisRequestBudget({ redis, baseUrl, maxPerSecond: R });
    });
    const started = performance.now();

    await Promise.all([a, b].map((budget) => Promise.all(Array.from({ length: R / 2 }, () => budget?.take()))));

    expect(performance.now() - started).toBeGreaterThanOrEqual(((R - 1) * 1000) / R - 2);
  });

  it('keeps the budgets of different servers apart', async () => {
    const clock = Date.parse('2025-03-01T12:00:00Z');
    const one = client(freshServer(), 1, () => clock);
    const other = client(freshServer(), 1, () => clock);

    await one.budget.take();
    await other.budget.take();

    expect([one.waits, other.waits]).toEqual([[], []]);
  });
});

describe('a run with FHIR_MAX_RPS', () => {
  const env = useTestEnvironment();

  it('takes the budget for every request the pipeline makes', async () => {
    for (const name of ['Ana', 'Ben', 'Cy']) await patientWithFreshStitches(env.fhir.baseUrl, name);
    await applyExampleCampaigns(env.db);
    const R = 10;
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, { FHIR_MAX_RPS: String(R) });
    try {
      const started = performance.now();

      const summary = await pipeline.run(['wound-care-after-sutures']);
      const elapsed = performance.now() - started;

      expect(summary.totals).toMatchObject({ sent: 3, failed: 0 });
      expect(await communications(env.fhir.baseUrl)).toHaveLength(3);
      // Evenly spaced slots: n requests cannot all go out in less than (n - 1)/R s.
      const { searchPages, reads, creates } = summary.fhirRequests;
      const requests = searchPages + reads + creates;
      expect(requests).toBeGreaterThanOrEqual(5);
      expect(elapsed).toBeGreaterThanOrEqual(((requests - 1) * 1000) / R - 2);
    } finally {
      await pipeline.close();
      await cleanupBudget(env.fhir.baseUrl);
    }
  });
});

async function cleanupBudget(baseUrl: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    await redis.del(budgetKeyOf(baseUrl));
  } finally {
    await redis.quit();
  }
}
