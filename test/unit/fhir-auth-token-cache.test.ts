import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FhirAuthError } from '../../src/fhir/auth/error.ts';
import { createTokenCache } from '../../src/fhir/auth/token-cache.ts';
import type { TokenGrant } from '../../src/fhir/auth/token-endpoint.ts';
import { FhirTransientError } from '../../src/fhir/errors.ts';
import { createLogger } from '../../src/log/index.ts';

const HOUR_S = 3600;

/**
 * A token cache on a clock the test moves, whose token endpoint answers each request when the test says:
 * `answer(n, grant | error)` settles request n (1-based), issuing token-n valid an hour by default.
 */
function makeCache() {
  const clock = { now: Date.parse('2026-12-01T08:00:00Z') };
  const pending: Array<{ resolve: (grant: TokenGrant) => void; reject: (error: unknown) => void }> = [];
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const cache = createTokenCache({
    now: () => clock.now,
    logger: createLogger({ level: 'info', destination }),
    fetchToken: () => new Promise<TokenGrant>((resolve, reject) => pending.push({ resolve, reject })),
  });
  const answer = (n: number, outcome: TokenGrant | Error = { accessToken: `token-${n}`, expiresIn: HOUR_S }) => {
    const request = pending[n - 1];
    if (!request) throw new Error(`no token request ${n} was made`);
    if (outcome instanceof Error) request.reject(outcome);
    else request.resolve(outcome);
    return settle();
  };
  return { cache, clock, answer, tokenRequests: () => pending.length, lines };
}

/** Lets every promise that can settle now do so (microtasks and the I/O turn of the log stream). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether `promise` has settled once everything that can run now has run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await settle();
  return settled;
}

/** A cache holding token-1, issued at the start of the clock and valid an hour. */
async function cacheWithToken() {
  const made = makeCache();
  const first = made.cache.current();
  await made.answer(1);
  await expect(first).resolves.toBe('token-1');
  return made;
}

const THIRTY_S_BEFORE_EXPIRY = (HOUR_S - 30) * 1000;

describe('the token cache, renewing early', () => {
  it('keeps serving the still-valid token while one renewal runs in the background', async () => {
    const { cache, clock, answer, tokenRequests } = await cacheWithToken();
    clock.now += THIRTY_S_BEFORE_EXPIRY;

    const during = Array.from({ length: 5 }, () => cache.current());

    for (const token of during) expect(await isSettled(token)).toBe(true);
    await expect(Promise.all(during)).resolves.toEqual(Array(5).fill('token-1'));
    expect(tokenRequests()).toBe(2);
    await answer(2);
    await expect(cache.current()).resolves.toBe('token-2');
    expect(tokenRequests()).toBe(2);
  });

  it('blocks only when there is no valid token: before the first, and once the cached one has expired', async () => {
    const { cache, clock, answer } = makeCache();
    const first = cache.current();
    expect(await isSettled(first)).toBe(false);
    await answer(1);
    await expect(first).resolves.toBe('token-1');

    clock.now += HOUR_S * 1000;
    const afterExpiry = cache.current();
    expect(await isSettled(afterExpiry)).toBe(false);
    await answer(2);
    await expect(afterExpiry).resolves.toBe('token-2');
  });

  it('joins a background renewal still running when the token expires', async () => {
    const { cache, clock, answer, tokenRequests } = await cacheWithToken();
    clock.now += THIRTY_S_BEFORE_EXPIRY;
    await cache.current();
    clock.now += 30_000;

    const afterExpiry = cache.current();

    expect(await isSettled(afterExpiry)).toBe(false);
    await answer(2);
    await expect(afterExpiry).resolves.toBe('token-2');
    expect(tokenRequests()).toBe(2);
  });

  it('logs a background renewal that fails transiently, serves the valid token meanwhile and tries again on the next request', async () => {
    const { cache, clock, answer, tokenRequests, lines } = await cacheWithToken();
    clock.now += THIRTY_S_BEFORE_EXPIRY;
    await cache.current();

    await answer(2, new FhirTransientError('FHIR token request failed with HTTP 503', { status: 503 }));

    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        err: { name: 'FhirTransientError', code: '503', message: 'FHIR token request failed with HTTP 503' },
      }),
    ]);
    await expect(cache.current()).resolves.toBe('token-1');
    expect(tokenRequests()).toBe(3);
    await answer(3);
    await expect(cache.current()).resolves.toBe('token-3');
  });

  it('surfaces an invalid_client from a background renewal to the next request', async () => {
    const { cache, clock, answer, lines } = await cacheWithToken();
    clock.now += THIRTY_S_BEFORE_EXPIRY;
    await cache.current();
    const refused = new FhirAuthError('the token endpoint refused the request (invalid_client)', 'invalid_client');

    await answer(2, refused);

    await expect(cache.current()).rejects.toBe(refused);
    expect(lines).toEqual([expect.objectContaining({ err: expect.objectContaining({ name: 'FhirAuthError', code: 'invalid_client' }) })]);
  });

  it('renews at once after a 401, without waiting for the margin', async () => {
    const { cache, answer } = await cacheWithToken();

    const renewed = cache.renew('token-1');

    expect(await isSettled(renewed)).toBe(false);
    await answer(2);
    await expect(renewed).resolves.toBe('token-2');
  });
});
