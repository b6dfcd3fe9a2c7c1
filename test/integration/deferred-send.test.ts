/**
 * A deferral's re-queue in real BullMQ: kept beside the job that deferred it, and not waited for by a one-off
 * run (isIdle), while other delayed sends still are.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isIdle } from '../../src/queue/index.ts';
import { useScratchRuntime } from '../support/runtime.ts';

const HOUR = 3_600_000;

describe('a deferred send in BullMQ', () => {
  const scratch = useScratchRuntime('deferred');
  const job = { promptIds: [randomUUID()] };
  const until = new Date(Date.now() + 10 * HOUR);

  it('is kept though the send job of the same prompts is still in the queue', async () => {
    await scratch.runtime.enqueue.send(job);
    await scratch.runtime.enqueue.deferredSend(job, until, 10 * HOUR);
    expect(await scratch.runtime.queues.send.getJobCounts('waiting', 'delayed')).toMatchObject({ waiting: 1, delayed: 1 });
  });

  it('is not waited for by a one-off run, while a delayed send of another kind is', async () => {
    await scratch.runtime.enqueue.deferredSend(job, until, 10 * HOUR);
    expect(await isIdle(scratch.runtime.queues)).toBe(true);
    // A send delayed until a dead sender's lease lapses, as the recovery queues it.
    await scratch.runtime.enqueue.send(job, HOUR);
    expect(await isIdle(scratch.runtime.queues)).toBe(false);
  });
});
