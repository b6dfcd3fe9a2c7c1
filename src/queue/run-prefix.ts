/**
 * Each `run --once` queues its jobs under a Redis prefix of its own and removes it when done. A run killed
 * outright (SIGKILL, out of memory) cannot, and its keys would stay forever: so a run keeps a key naming its
 * host and process, which expires unless renewed, and every run first removes the keys of earlier runs that
 * are gone: their key expired, or it names a process of this host that no longer exists. PostgreSQL, not
 * these keys, holds a killed run's unfinished work; the sweep queues it again.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

const ALIVE_MS = 60_000;
const SCAN_COUNT = 1_000;

export interface RunPrefix {
  prefix: string;
  /** Stops keeping the prefix alive, once its keys are gone. */
  release(): Promise<void>;
}

export async function claimRunPrefix(redis: Redis, base: string): Promise<RunPrefix> {
  const prefix = `${base}-once-${randomUUID()}`;
  const alive = `${prefix}:alive`;
  await redis.set(alive, `${hostname()} ${process.pid}`, 'PX', ALIVE_MS);
  const timer = setInterval(() => {
    redis.pexpire(alive, ALIVE_MS).catch(() => {
      // A missed renewal is retried at the next tick; the key lives a minute.
    });
  }, ALIVE_MS / 3);
  timer.unref();
  return {
    prefix,
    async release() {
      clearInterval(timer);
      await redis.del(alive);
    },
  };
}

/** Removes the keys of earlier runs under `base` that are gone; returns how many runs. */
export async function removeAbandonedRuns(redis: Redis, base: string): Promise<number> {
  const runKey = new RegExp(`^${base}-once-([0-9a-f-]{36}):`);
  const runs = new Set<string>();
  for await (const keys of redis.scanStream({ match: `${base}-once-*`, count: SCAN_COUNT }) as AsyncIterable<string[]>) {
    for (const key of keys) {
      const run = runKey.exec(key)?.[1];
      if (run) runs.add(run);
    }
  }
  let removed = 0;
  for (const run of runs) {
    const prefix = `${base}-once-${run}`;
    if (isAlive(await redis.get(`${prefix}:alive`))) continue;
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: SCAN_COUNT }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
    removed += 1;
  }
  return removed;
}

/** A run on another host is alive while its key lives; one on this host, while its process does. */
function isAlive(owner: string | null): boolean {
  if (owner === null) return false;
  const [host, pid] = owner.split(' ');
  if (host !== hostname()) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
