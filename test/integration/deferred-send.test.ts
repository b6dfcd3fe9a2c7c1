/**
 * A deferral's re-queue in real BullMQ: kept beside the job that deferred it, and not waited for by a one-off
 * run (isIdle), while other delayed sends still are.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/index.ts';
import { createRuntime, isIdle, type Runtime } from '../../src/queue/index.ts';

const HOUR = 3_600_000;

describe('a deferred send in BullMQ', () => {
  let runtime: Runtime;
  const job = { promptIds: [randomUUID()] };
  const until = new Date(Date.now() + 10 * HOUR);

  beforeEach(() => {
    runtime = createRuntime({
      redisUrl: 'redis://127.0.0.1:6379',
      prefix: `test-deferred-${randomUUID()}`,
      concurrency: 1,
      attempts: 1,
      logger: silentLogger,
    });
  });
  afterEach(async () => {
    await Promise.all(Object.values(runtime.queues).map((queue) => queue.obliterate({ force: true })));
    await runtime.close();
  });

  it('is kept though the send job of the same prompts is still in the queue', async () => {
    await runtime.enqueue.send(job);
    await runtime.enqueue.deferredSend(job, until, 10 * HOUR);
    expect(await runtime.queues.send.getJobCounts('waiting', 'delayed')).toMatchObject({ waiting: 1, delayed: 1 });
  });

  it('is not waited for by a one-off run, while a delayed send of another kind is', async () => {
    await runtime.enqueue.deferredSend(job, until, 10 * HOUR);
    expect(await isIdle(runtime.queues)).toBe(true);
    // A send delayed until a dead sender's lease lapses, as the recovery queues it.
    await runtime.enqueue.send(job, HOUR);
    expect(await isIdle(runtime.queues)).toBe(false);
  });
});
