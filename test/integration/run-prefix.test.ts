import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { claimRunPrefix, removeAbandonedRuns } from '../../src/queue/run-prefix.ts';

describe('run --once prefixes in Redis', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const base = `test-${randomUUID()}`;
  afterAll(async () => {
    const keys = await redis.keys(`${base}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** The keys a run's queues leave behind, under the prefix of run `id`. */
  async function queuesOf(id: string, owner?: string) {
    const prefix = `${base}-once-${id}`;
    await redis.set(`${prefix}:send:meta`, 'x');
    await redis.set(`${prefix}:send:id`, '7');
    if (owner) await redis.set(`${prefix}:alive`, owner, 'PX', 60_000);
    return prefix;
  }

  it('removes the queues of runs that are gone and keeps those of runs alive here or elsewhere', async () => {
    const own = await claimRunPrefix(redis, base);
    await redis.set(`${own.prefix}:poll:meta`, 'x');
    const expired = await queuesOf(randomUUID());
    // A pid above Linux's pid_max names no process.
    const killedHere = await queuesOf(randomUUID(), `${hostname()} 4999999`);
    const elsewhere = await queuesOf(randomUUID(), 'another-host 123');

    expect(await removeAbandonedRuns(redis, base)).toBe(2);

    expect(await redis.keys(`${expired}:*`)).toEqual([]);
    expect(await redis.keys(`${killedHere}:*`)).toEqual([]);
    expect((await redis.keys(`${elsewhere}:*`)).sort()).toEqual([`${elsewhere}:alive`, `${elsewhere}:send:id`, `${elsewhere}:send:meta`]);
    expect((await redis.keys(`${own.prefix}:*`)).sort()).toEqual([`${own.prefix}:alive`, `${own.prefix}:poll:meta`]);

    await own.release();
    expect(await redis.exists(`${own.prefix}:alive`)).toBe(0);
  });
});
