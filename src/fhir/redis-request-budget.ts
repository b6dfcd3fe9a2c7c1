/**
 * RequestBudget shared through Redis, so processes on several machines pointed at one FHIR server together stay
 * within its budget. Each request reserves the next free slot of an evenly spaced schedule (GCRA with no burst:
 * slots 1/R s apart) in one atomic script, then waits for its slot. A reservation is one round trip; callers are
 * served in the order they asked, across processes.
 *
 * The schedule runs on Redis's clock (TIME), the one clock every process shares; machines whose clocks disagree
 * would otherwise crowd or starve each other's slots. Tests may pass their own clock.
 *
 * A caller that wakes long after its slot (its process was starved of CPU, its event loop blocked) has lost it:
 * the slots after it went to others meanwhile, and sending now would crowd a later second. It reserves again,
 * as often as it takes: a request goes only in a slot it is on time for. Reservations are first come, first
 * served, so each new one waits only for those made before it, and a starved caller goes once it wakes in time.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { budgetKeyOf, type RequestBudget, spacingMicros } from './request-budget.ts';

// KEYS[1]: the server's schedule (the time its next free slot starts, in µs). ARGV[1]: the spacing in µs;
// ARGV[2]: now in µs, when the caller supplies the clock. Returns the µs to wait for the slot reserved.
// %.0f keeps the numbers whole: Lua would write 1.7e15 as "1.7e+15".
const RESERVE_SLOT = `
local now
if ARGV[2] then
  now = tonumber(ARGV[2])
else
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local spacing = tonumber(ARGV[1])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local after = slot + spacing
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return string.format('%.0f', slot - now)
`;

const WaitMicros = z.coerce.number().int().nonnegative();

export interface RedisRequestBudgetOptions {
  /** A connection of its own or shared; the caller closes it. */
  redis: Redis;
  /** The FHIR base URL: processes with the same origin and path share one budget. */
  baseUrl: string;
  maxPerSecond: number;
  /** Waits for the slot; tests pass one that records instead. Defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Now in ms since the epoch, for tests; by default Redis's own clock for the schedule and performance.now() for lateness. */
  now?: () => number;
}

export function createRedisRequestBudget(options: RedisRequestBudgetOptions): RequestBudget {
  const key = budgetKeyOf(options.baseUrl);
  const spacing = String(spacingMicros(options.maxPerSecond));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { now } = options;
  const localNow = now ?? (() => performance.now());
  const lateAfterMs = Number(spacing) / 1000;
  return {
    async take() {
      for (;;) {
        const args = now ? [spacing, String(Math.round(now() * 1000))] : [spacing];
        const waitMicros = WaitMicros.parse(await options.redis.eval(RESERVE_SLOT, 1, key, ...args));
        if (waitMicros === 0) return;
        const dueMs = localNow() + waitMicros / 1000;
        await sleep(Math.ceil(waitMicros / 1000));
        if (localNow() - dueMs <= lateAfterMs) return;
      }
    },
  };
}
