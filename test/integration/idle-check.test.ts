/**
 * The one-off run's idle check against real BullMQ, at the moment a retry is promoted from delayed to waiting
 * while the check reads the queue: the run must not end then, or it reports the retried prompt as unfinished.
 */
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { isIdle } from '../../src/queue/index.ts';
import { useScratchRuntime } from '../support/runtime.ts';

const HOUR = 3_600_000;

describe('the idle check of a one-off run', () => {
  const scratch = useScratchRuntime('idle');

  it('is not fooled by a delayed send promoted to waiting while it lists the delayed jobs', async () => {
    await scratch.runtime.enqueue.send({ promptIds: [randomUUID()] }, HOUR);
    const send = scratch.runtime.queues.send;
    // The promotion lands just before the first listing of delayed jobs, as a due retry's would.
    const promoteFirst = new Proxy(send, {
      get(target, property, receiver) {
        if (property !== 'getJobs') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<Queue['getJobs']>) => {
          for (const job of await target.getJobs(['delayed'])) await job.promote();
          return target.getJobs(...args);
        };
      },
    });

    expect(await isIdle({ ...scratch.runtime.queues, send: promoteFirst })).toBe(false);
    expect(await send.getJobCounts('waiting', 'delayed')).toMatchObject({ waiting: 1, delayed: 0 });
  });
});
