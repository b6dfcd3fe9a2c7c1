import { describe, expect, it } from 'vitest';
import { isTransient, retryDelayMs } from '../../src/fhir/retry.ts';

const backoff = { baseMs: 100, maxMs: 1_000 };

describe('isTransient', () => {
  it('retries throttling, request timeouts and server errors', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isTransient(status)).toBe(true);
  });

  it('does not retry what the server refused', () => {
    for (const status of [400, 401, 403, 404, 409, 410, 412, 422]) expect(isTransient(status)).toBe(false);
  });

  it('retries a conditional create that met 409 or 412 (concurrent creates), and only it', () => {
    for (const status of [409, 412, 429, 503]) expect(isTransient(status, 'conditional-create')).toBe(true);
    for (const status of [400, 404, 422]) expect(isTransient(status, 'conditional-create')).toBe(false);
    for (const status of [409, 412]) expect(isTransient(status, 'other')).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('doubles the ceiling each attempt, the top of the jitter range just below it', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, { ...backoff, random: top }))).toEqual([99, 199, 399, 799]);
  });

  it('jitters across the whole range down to zero', () => {
    expect(retryDelayMs(3, { ...backoff, random: () => 0 })).toBe(0);
    expect(retryDelayMs(3, { ...backoff, random: () => 0.5 })).toBe(200);
  });

  it('never exceeds maxMs however many attempts', () => {
    expect(retryDelayMs(5, { ...backoff, random: () => 0.5 })).toBe(500);
    expect(retryDelayMs(2_000, { ...backoff, random: () => 0.999_999 })).toBe(999);
  });

  it('waits exactly what Retry-After asks, without jitter', () => {
    expect(retryDelayMs(1, { ...backoff, retryAfterMs: 700, random: () => 0 })).toBe(700);
    expect(retryDelayMs(3, { ...backoff, retryAfterMs: 0, random: () => 0.9 })).toBe(0);
  });

  it('leaves a Retry-After beyond maxMs to the job queue', () => {
    expect(retryDelayMs(1, { ...backoff, retryAfterMs: 1_000, random: Math.random })).toBe(1_000);
    expect(retryDelayMs(1, { ...backoff, retryAfterMs: 1_001, random: Math.random })).toBeUndefined();
  });
});
