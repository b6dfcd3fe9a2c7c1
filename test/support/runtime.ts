import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import { silentLogger } from '../../src/log/index.ts';
import { createRuntime, type Runtime } from '../../src/queue/index.ts';

/** Empties a test's queues, whose keys would otherwise stay in the shared Redis, and closes its connections. */
export async function discardRuntime(runtime: Runtime): Promise<void> {
  await Promise.all(Object.values(runtime.queues).map((queue) => queue.obliterate({ force: true })));
  await runtime.close();
}

/** A runtime on a key prefix of its own for each test (one attempt per job, no workers), discarded after it. */
export function useScratchRuntime(name: string): { readonly runtime: Runtime } {
  const scratch = {} as { runtime: Runtime };
  beforeEach(() => {
    scratch.runtime = createRuntime({
      redisUrl: 'redis://127.0.0.1:6379',
      prefix: `test-${name}-${randomUUID()}`,
      concurrency: 1,
      attempts: 1,
      logger: silentLogger,
    });
  });
  afterEach(() => discardRuntime(scratch.runtime));
  return scratch;
}
